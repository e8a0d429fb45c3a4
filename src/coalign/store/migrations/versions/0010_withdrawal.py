"""withdrawal: the log of deleted participants' data, and tombstones of their used seeds

When a person withdraws (or an admin deletes them), every row of their data is deleted in one
transaction and ``withdrawals`` records who asked, how, when, and how many rows per table went.
A seed of theirs that a generation run had used leaves a row in ``withdrawn_seeds`` naming its
id, its kind and the runs that used it; the seed and its text are gone.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("deleted", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_withdrawals_participant_id"), "withdrawals", ["participant_id"], unique=False
    )
    op.create_index(op.f("ix_withdrawals_study_id"), "withdrawals", ["study_id"], unique=False)
    op.create_table(
        "withdrawn_seeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("withdrawal_id", sa.Integer(), nullable=False),
        sa.Column("seed_kind", sa.String(length=16), nullable=False),
        sa.Column("seed_id", sa.String(length=64), nullable=False),
        sa.Column("run_ids", sa.JSON(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["withdrawal_id"], ["withdrawals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("seed_id", "study_id", "withdrawal_id"):
        op.create_index(
            op.f(f"ix_withdrawn_seeds_{column}"), "withdrawn_seeds", [column], unique=False
        )


def downgrade() -> None:
    for column in ("seed_id", "study_id", "withdrawal_id"):
        op.drop_index(op.f(f"ix_withdrawn_seeds_{column}"), table_name="withdrawn_seeds")
    op.drop_table("withdrawn_seeds")
    op.drop_index(op.f("ix_withdrawals_study_id"), table_name="withdrawals")
    op.drop_index(op.f("ix_withdrawals_participant_id"), table_name="withdrawals")
    op.drop_table("withdrawals")
