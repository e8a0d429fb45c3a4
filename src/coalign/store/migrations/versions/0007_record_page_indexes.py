"""records: indexes for reading a run (or one stage of it) page by page in id order

``(run_id, id)`` replaces the index on ``run_id`` alone; with ``(run_id, stage, id)`` each page
of a keyset-paginated read seeks to where the last one ended instead of sorting the whole run
again (quadratic in the run's size before).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_records_run_id", table_name="records")
    op.create_index("ix_records_run_id_id", "records", ["run_id", "id"])
    op.create_index("ix_records_run_stage_id", "records", ["run_id", "stage", "id"])


def downgrade() -> None:
    op.drop_index("ix_records_run_stage_id", table_name="records")
    op.drop_index("ix_records_run_id_id", table_name="records")
    op.create_index("ix_records_run_id", "records", ["run_id"])
