"""plumbing v2: outbox rows count their attempts and can be parked; parked messages record
how ops resolved them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op

from relief_shared.plumbing import downgrade_plumbing_v2, upgrade_plumbing_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_plumbing_v2(op)


def downgrade() -> None:
    downgrade_plumbing_v2(op)
