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
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copying it and dropping the old one; with foreign
            # keys on, dropping a parent (contacts) fails for its children's rows. Off while
            # migrating (outside the transaction, where SQLite honours it), checked at the end.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                assert not broken, f"the migration broke foreign keys: {broken[:5]}"
    engine.dispose()
