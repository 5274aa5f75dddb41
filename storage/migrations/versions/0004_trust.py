"""trust: codes kept only as keyed hashes; every code try counted per address and account

Revision ID: 0004_trust
Revises: 0004_faults
Create Date: 2026-11-29 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "0004_trust"
down_revision = "0004_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Codes waiting in plain text are not kept: they are valid for minutes and can be asked again.
    op.execute("DELETE FROM verifications")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_column("code")
        batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=False))
    op.create_table(
        "verification_tries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "address_key", "telegram_user_id"):
        op.create_index(f"ix_verification_tries_{column}", "verification_tries", [column])


def downgrade() -> None:
    op.drop_table("verification_tries")
    op.execute("DELETE FROM verifications")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_column("code_hash")
        batch_op.add_column(sa.Column("code", sa.String(length=12), nullable=False))
