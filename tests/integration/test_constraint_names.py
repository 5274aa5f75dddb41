"""Every constraint has the name the models give it (storage/tables.py's naming convention),
whether the database was made by the migrations on SQLite or on PostgreSQL, so that a later
migration can drop or change a constraint by its name on both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, inspect

from storage import campaign_tables, health, staff_tables  # noqa: F401  (their tables join Base)
from storage.db import make_engine
from storage.tables import Base


def names(engine: Engine) -> dict[str, Any]:
    """Table -> the names of its primary key, unique constraints, foreign keys and indexes."""
    found = inspect(engine)
    return {
        table: {
            "pk": found.get_pk_constraint(table)["name"],
            "uq": sorted(u["name"] for u in found.get_unique_constraints(table)),
            "fk": sorted(f["name"] for f in found.get_foreign_keys(table)),
            "ix": sorted(i["name"] for i in found.get_indexes(table) if not i.get("unique")),
        }
        for table in sorted(found.get_table_names())
        if table != "alembic_version"
    }


def models() -> dict[str, Any]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        return names(engine)
    finally:
        engine.dispose()


def test_the_migrated_database_names_every_constraint_as_the_models_do(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrated = names(engine)
    finally:
        engine.dispose()
    assert migrated == models()
    assert migrated["contacts"]["pk"] == "pk_contacts"
    assert migrated["contacts"]["uq"] == ["uq_contacts_municipality_email", "uq_contacts_token"]
    assert migrated["staff_sessions"]["fk"] == ["fk_staff_sessions_staff_id_staff"]
