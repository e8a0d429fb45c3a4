"""reviewed translations of campaign texts

``translations`` holds one campaign text (an item's prompt or response, an attention check, a
dimension's name, definition or scale labels, an item question, the title) in another language,
made by a model or pasted in, with its status (``pending`` until a bilingual reviewer accepts
it), its translator (the model id or ``pasted``) and its reviewer. Participants see only
accepted translations: accepting copies the text into the campaign's translations.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("translator", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "part", "subject", "field", "language"),
    )
    op.create_index(
        op.f("ix_translations_campaign_id"), "translations", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_translations_campaign_id"), table_name="translations")
    op.drop_table("translations")
