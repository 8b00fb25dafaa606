"""A notice on the channel ``wisebook_credentials`` when what a credential check reads changes
(a token revoked, a user deactivated or made operator, a membership added, changed or
removed, a company renamed or its chart changed): each web process keeps the callers it has
checked for a short while and forgets them all at such a notice (``wisebook.db.notices``).
PostgreSQL only: the embedded profile keeps no such memory.

Revision ID: 0015
Revises: 0014
"""

from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: The tables a credential check reads, and the changes that matter (a new token does not).
WATCHED = {
    "auth_tokens": "UPDATE OR DELETE OR TRUNCATE",
    "users": "UPDATE OR DELETE OR TRUNCATE",
    "memberships": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "companies": "UPDATE OR DELETE OR TRUNCATE",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION wisebook_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('wisebook_credentials', '');
            RETURN NULL;
        END $$
        """
    )
    for table, events in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_credentials_changed AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION wisebook_credentials_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED:
        op.execute(f"DROP TRIGGER {table}_credentials_changed ON {table}")
    op.execute("DROP FUNCTION wisebook_credentials_changed()")
