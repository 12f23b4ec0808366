"""timeline rows carry what the case view takes from their event

The view is folded from the timeline when read. Rows written before this revision have no
facts: their effect is already in `cases.view`, which the fold starts from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("timeline", sa.Column("facts", sa.JSON, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("irreversible: since 0002 the case views of new events live in timeline.facts")
