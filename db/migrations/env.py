"""Alembic environment: the URL comes from the caller or from INCUBASE_DATABASE_URL."""
from __future__ import annotations

from alembic import context

from config import get_settings
from db.engine import make_engine
from db.tables import metadata

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:  # a migration that refuses (0012, 0016) leaves no connection behind either
        engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
