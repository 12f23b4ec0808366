"""the status register keeps the entry a change replaced, so a change decided ahead of its day
is answered from that day (the lookup answers the status in force today)

Revision ID: 1012
Revises: 1011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "1012"
down_revision = "1011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_register") as batch:
        batch.add_column(sa.Column("previous", sa.String(16)))
        batch.add_column(sa.Column("previous_since", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("status_register") as batch:
        batch.drop_column("previous_since")
        batch.drop_column("previous")
