"""The tiers register: customers, suppliers and staff with their identifiers, the accounts
their lines go to, their balances and their statements of account."""
