"""constraint names: every primary key, unique constraint and foreign key gets the name of
the naming convention (storage/tables.py), so later migrations can find them by name

Revision ID: 0005_constraint_names
Revises: 0004_web
Create Date: 2026-11-30 02:30:00

PostgreSQL named them itself (contacts_pkey, contacts_token_key, outbox_contact_id_fkey):
those are renamed in place. SQLite left them unnamed: each table is rebuilt (batch mode) with
the names; foreign keys are checked once every table is back (storage/migrations/env.py).
Constraints that were named already (uq_fit_scores, ...) keep their names.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005_constraint_names"
down_revision = "0004_web"
branch_labels = None
depends_on = None

# The convention as it was when this migration was written (storage/tables.py has the live one).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _tables(bind: sa.engine.Connection) -> list[str]:
    return [t for t in sa.inspect(bind).get_table_names() if t != "alembic_version"]


def _renames(inspector: Any, table: str) -> list[tuple[str, str]]:
    """(PostgreSQL's own name, the convention's name) for each constraint PostgreSQL named."""
    pairs = []
    pk = inspector.get_pk_constraint(table)
    if pk.get("constrained_columns"):
        pairs.append((pk["name"], f"{table}_pkey", f"pk_{table}"))
    for unique in inspector.get_unique_constraints(table):
        columns = unique["column_names"]
        default = f"{table}_{'_'.join(columns)}_key"
        pairs.append((unique["name"], default, f"uq_{table}_{columns[0]}"))
    for key in inspector.get_foreign_keys(table):
        columns = key["constrained_columns"]
        default = f"{table}_{'_'.join(columns)}_fkey"
        pairs.append((key["name"], default, f"fk_{table}_{columns[0]}_{key['referred_table']}"))
    return [(name, wanted) for name, default, wanted in pairs if name == default]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        inspector = sa.inspect(bind)
        for table in _tables(bind):
            for old, new in _renames(inspector, table):
                op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')
        return
    # SQLite: every table rebuilt with its names (env.py turns foreign keys off meanwhile, so
    # that a parent such as contacts can be dropped and replaced by its copy, and checks them).
    for table in _tables(bind):
        with op.batch_alter_table(table, recreate="always", naming_convention=NAMING):
            pass


def downgrade() -> None:
    """PostgreSQL gets its own names back; SQLite keeps the names (older code never uses
    a constraint's name, and taking a name away means rebuilding every table again)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table in _tables(bind):
        pk = inspector.get_pk_constraint(table)
        renames = []
        if pk.get("name") == f"pk_{table}":
            renames.append((pk["name"], f"{table}_pkey"))
        for unique in inspector.get_unique_constraints(table):
            columns = unique["column_names"]
            if unique["name"] == f"uq_{table}_{columns[0]}":
                renames.append((unique["name"], f"{table}_{'_'.join(columns)}_key"))
        for key in inspector.get_foreign_keys(table):
            columns = key["constrained_columns"]
            if key["name"] == f"fk_{table}_{columns[0]}_{key['referred_table']}":
                renames.append((key["name"], f"{table}_{'_'.join(columns)}_fkey"))
        for new, old in renames:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{new}" TO "{old}"')
