"""group axis rankings, axis pair judgements, process feedback

After the discussion a group records its agreed top-3 and top-5 axes (``group_axis_rankings``,
one row per place, with the facilitator or the member who recorded it), and a facilitator
comparing groups marks suggested pairs of axes as the same or different
(``axis_pair_judgements``, with the similarity and embedder that suggested them). Nothing is merged.
Participants give feedback on each phase of the process once (``process_feedback``).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "group_axis_rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("axis_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=True),
        sa.Column("facilitator", sa.String(length=80), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["discussion_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["axis_id"], ["axes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "size", "rank"),
        sa.UniqueConstraint("group_id", "size", "axis_id"),
    )
    for column in ("group_id", "axis_id", "participant_id"):
        _index("group_axis_rankings", column)
    op.create_table(
        "axis_pair_judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("axis_id", sa.Integer(), nullable=False),
        sa.Column("other_axis_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("embedder", sa.String(length=120), nullable=False),
        sa.Column("facilitator", sa.String(length=80), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["axis_id"], ["axes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_axis_id"], ["axes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("axis_id", "other_axis_id"),
    )
    _index("axis_pair_judgements", "axis_id")
    _index("axis_pair_judgements", "other_axis_id")
    op.create_table(
        "process_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "phase"),
    )
    _index("process_feedback", "study_id")
    _index("process_feedback", "participant_id")


def downgrade() -> None:
    op.drop_table("process_feedback")
    op.drop_table("axis_pair_judgements")
    op.drop_table("group_axis_rankings")
