"""faults: job claims become leases (expiry, attempts, failures, last error); a reminder
dropped unsent keeps why; heartbeats of the service's parts

Revision ID: 0004_faults
Revises: 0003
Create Date: 2026-11-29 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "0004_faults"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_until", storage.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dropped", sa.String(length=20), nullable=True))

    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=80), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("seen_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("component", "worker", name="uq_heartbeats"),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("dropped")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("failures")
        batch_op.drop_column("attempts")
        batch_op.drop_column("lease_until")
