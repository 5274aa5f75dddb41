"""Alembic environment: the URL comes from the caller (storage.migrate), never from a file."""

from __future__ import annotations

from alembic import context

from storage import campaign_tables, staff_tables  # noqa: F401  (their tables join Base.metadata)
from storage.db import make_engine
from storage.tables import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "storage.migrate passes the database URL"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
