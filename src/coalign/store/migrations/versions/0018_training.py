"""familiarize: a study's training before coding, and every attempt at its check

``studies.training`` holds the training a study configures (an unrelated context, examples
with good and bad codes, a multiple-choice check and its pass mark; ``NULL``: no training, so
coding is open as before). ``training_attempts`` keeps each attempt at the check: the answer
to every question and whether it was right, the score, the pass mark it was held to, whether
it passed, the language it was shown in, when it was sent, and a digest of the training as it
was then, so an attempt stays readable after the training changes.

Revision ID: 0018
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("studies", sa.Column("training", sa.JSON(), nullable=True))
    op.create_table(
        "training_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("training_digest", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("study_id", "participant_id"):
        op.create_index(f"ix_training_attempts_{column}", "training_attempts", [column])


def downgrade() -> None:
    for column in ("study_id", "participant_id"):
        op.drop_index(f"ix_training_attempts_{column}", table_name="training_attempts")
    op.drop_table("training_attempts")
    # Not in batch mode: on SQLite that rebuilds ``studies``, and dropping the old table would
    # cascade to every table that points at it. SQLite (3.35+) drops a plain column in place.
    op.drop_column("studies", "training")
