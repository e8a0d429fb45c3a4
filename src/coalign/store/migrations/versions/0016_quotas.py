"""quotas per demographic cell: the campaign's quotas and code, and the cells people were admitted to

``campaigns.quotas`` holds the campaign's quotas (target counts of people per cell of one or more
demographic questions; existing campaigns get ``[]``: no quotas), ``campaigns.quota_full_code``
the code shown to a person screened out by a full cell (``NULL``: the screen-out code).
``quota_places`` has one row per admitted person and quota, naming the cell their answers fell
in; the unique constraint on ``(campaign_id, participant_id, quota)`` admits a person once.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("quotas", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("quota_full_code", sa.String(length=64), nullable=True))
    op.create_table(
        "quota_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("quota", sa.String(length=40), nullable=False),
        sa.Column("cell", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "participant_id", "quota"),
    )
    op.create_index("ix_quota_places_campaign_id", "quota_places", ["campaign_id"])
    op.create_index("ix_quota_places_participant_id", "quota_places", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_quota_places_participant_id", table_name="quota_places")
    op.drop_index("ix_quota_places_campaign_id", table_name="quota_places")
    op.drop_table("quota_places")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("quota_full_code")
        batch.drop_column("quotas")
