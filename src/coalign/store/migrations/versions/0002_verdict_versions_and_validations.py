"""verdict versions and validation passes

Verdicts gain the run they belong to, whether they are the current one for their
record × rule (re-running a rule keeps the old verdict, no longer current), and the
validation pass that wrote them. ``validations`` records each pass: its filters or rubric,
the judge model, and warnings such as a judge that is also the generator.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "validations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("judge_model", sa.Text(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["generation_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("validations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_validations_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("current", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("validation_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_verdicts_run_id"), ["run_id"], unique=False)
        batch_op.create_index("ix_verdicts_record_rule", ["record_id", "rule"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_record_rule")
        batch_op.drop_index(batch_op.f("ix_verdicts_run_id"))
        batch_op.drop_column("validation_id")
        batch_op.drop_column("current")
        batch_op.drop_column("run_id")

    with op.batch_alter_table("validations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validations_run_id"))

    op.drop_table("validations")
