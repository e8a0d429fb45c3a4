"""workshop handouts and reflection boards: session 2's questions per breakout group, sticky notes

``workshop_handouts`` binds each breakout group of a seed workshop to the value dimension it
works on in session 2 and to the generation run that wrote its questions (seeded by the
workshop's accepted session-1 questions); deleting the run leaves the handout without one.
``reflection_notes`` keeps the sticky notes participants post on a session's reflection board,
with the facilitator's codes (``tags``, who coded, when); ``reflection_reactions`` the reactions
to them, each kind once per person. Notes and reactions go with their author when a participant
withdraws.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop_handouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=120), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("assigned_by", sa.String(length=80), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["generation_runs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "group_name"),
    )
    op.create_index("ix_workshop_handouts_workshop_id", "workshop_handouts", ["workshop_id"])
    op.create_table(
        "reflection_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("session", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("coded_by", sa.String(length=80), nullable=True),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("workshop_id", "participant_id"):
        op.create_index(f"ix_reflection_notes_{column}", "reflection_notes", [column])
    op.create_table(
        "reflection_reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("reaction", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["note_id"], ["reflection_notes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("note_id", "participant_id", "reaction"),
    )
    for column in ("note_id", "participant_id"):
        op.create_index(f"ix_reflection_reactions_{column}", "reflection_reactions", [column])


def downgrade() -> None:
    for column in ("note_id", "participant_id"):
        op.drop_index(f"ix_reflection_reactions_{column}", table_name="reflection_reactions")
    op.drop_table("reflection_reactions")
    for column in ("workshop_id", "participant_id"):
        op.drop_index(f"ix_reflection_notes_{column}", table_name="reflection_notes")
    op.drop_table("reflection_notes")
    op.drop_index("ix_workshop_handouts_workshop_id", table_name="workshop_handouts")
    op.drop_table("workshop_handouts")
