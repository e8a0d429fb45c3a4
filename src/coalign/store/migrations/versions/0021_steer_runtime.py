"""the steered chat at run time: participants' own daily limits, stopped answers

``steer_personal_limits`` holds the daily limit of steered turns a participant set for
themselves (the study's limit in ``steer_limits`` still holds; the smaller applies).
``steered_turns.stopped`` and ``steer_candidates.stopped`` mark generation the participant
stopped: the candidate's ``content`` is the text generated until then.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "steer_personal_limits",
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("daily_turns", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    for table in ("steered_turns", "steer_candidates"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("stopped", sa.Boolean(), server_default=sa.false(), nullable=False)
            )


def downgrade() -> None:
    for table in ("steer_candidates", "steered_turns"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("stopped")
    op.drop_table("steer_personal_limits")
