"""translated study and campaign texts, and a code of its own for arrivals at a full campaign

``studies.translations`` holds, per language, the study's title, description and consent text;
``campaigns.title_translations`` the campaign's title per language. Existing rows get ``{}``:
participants keep seeing the original texts until a translation is added. ``campaigns.full_code``
is the code shown to people who arrive when every item has its ratings (``NULL``: the screen-out
code, as before). A withdrawal keeps the person's crowd id and campaigns
(``withdrawals.crowd_id``, ``withdrawals.campaign_ids``), so their submission can still be settled.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("studies") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("title_translations", sa.JSON(), nullable=False, server_default="{}")
        )
        batch.add_column(sa.Column("full_code", sa.String(length=64), nullable=True))
    with op.batch_alter_table("withdrawals") as batch:
        batch.add_column(sa.Column("crowd_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("campaign_ids", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("withdrawals") as batch:
        batch.drop_column("campaign_ids")
        batch.drop_column("crowd_id")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("full_code")
        batch.drop_column("title_translations")
    with op.batch_alter_table("studies") as batch:
        batch.drop_column("translations")
