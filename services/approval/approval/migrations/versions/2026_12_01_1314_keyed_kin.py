"""LF-KIN keys under the kin secret: each registered relative's keyed key, and the bare key that cases keyed before still carry

Revision ID: 1314
Revises: 1313
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "1314"
down_revision = "1313"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from approval.settings import Settings  # the secret of the environment the migration job runs in
    from relief_shared.kin import keys_of

    with op.batch_alter_table("kin_register") as batch:
        batch.add_column(sa.Column("relative_legacy_key", sa.String(64)))
    op.create_index("ix_kin_register_region_relative_legacy_key", "kin_register", ["region", "relative_legacy_key"])
    kin = sa.table("kin_register", sa.column("region"), sa.column("staff_id"), sa.column("relative_id_number"),
                   sa.column("relative_key"), sa.column("relative_legacy_key"))
    secret = Settings().kin_secret
    conn = op.get_bind()
    for region, staff_id, number in conn.execute(sa.select(kin.c.region, kin.c.staff_id, kin.c.relative_id_number)).all():
        keyed, legacy = keys_of(number, secret)
        conn.execute(kin.update().where(kin.c.region == region, kin.c.staff_id == staff_id,
                                        kin.c.relative_id_number == number)
                     .values(relative_key=keyed, relative_legacy_key=legacy))


def downgrade() -> None:
    kin = sa.table("kin_register", sa.column("relative_key"), sa.column("relative_legacy_key"))
    op.get_bind().execute(kin.update().values(relative_key=kin.c.relative_legacy_key))
    op.drop_index("ix_kin_register_region_relative_legacy_key", "kin_register")
    with op.batch_alter_table("kin_register") as batch:
        batch.drop_column("relative_legacy_key")
