"""Who may do what: users, sessions and tokens, the login policy, invitations, API keys,
the role × permission table."""
