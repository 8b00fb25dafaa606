"""Alembic environment: runs on the engine WiseBook hands over (never a URL in a file)."""

from __future__ import annotations

from alembic import context

from wisebook.db.meta import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate through the engine given in ``config.attributes['engine']``."""
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("WiseBook migrates online only: wisebook-ctl migrate")
run_migrations_online()
