"""workshop design proposals and model drafts: what participants propose is moderated first

Topics and question types proposed in a seed workshop are kept in ``design_proposals`` until a
facilitator accepts (then they join the study's design) or rejects them, with who decided, when
and why. ``workshop_drafts`` keeps each model draft the server gave a participant, so the server,
not a form field, tells which seed examples started from a draft: ``workshop_draft_uses`` links
each such example to its draft, kept unchanged or edited.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "design_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=120), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("study_id", "workshop_id", "participant_id"):
        op.create_index(f"ix_design_proposals_{column}", "design_proposals", [column])
    op.create_table(
        "workshop_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("misaligned_response", sa.Text(), nullable=False),
        sa.Column("critique", sa.Text(), nullable=False),
        sa.Column("aligned_response", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("workshop_id", "participant_id"):
        op.create_index(f"ix_workshop_drafts_{column}", "workshop_drafts", [column])
    op.create_table(
        "workshop_draft_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("seed_example_id", sa.String(length=64), nullable=False),
        sa.Column("used", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["workshop_drafts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("draft_id", "seed_example_id"):
        op.create_index(f"ix_workshop_draft_uses_{column}", "workshop_draft_uses", [column])


def downgrade() -> None:
    for column in ("draft_id", "seed_example_id"):
        op.drop_index(f"ix_workshop_draft_uses_{column}", table_name="workshop_draft_uses")
    op.drop_table("workshop_draft_uses")
    for column in ("workshop_id", "participant_id"):
        op.drop_index(f"ix_workshop_drafts_{column}", table_name="workshop_drafts")
    op.drop_table("workshop_drafts")
    for column in ("study_id", "workshop_id", "participant_id"):
        op.drop_index(f"ix_design_proposals_{column}", table_name="design_proposals")
    op.drop_table("design_proposals")
