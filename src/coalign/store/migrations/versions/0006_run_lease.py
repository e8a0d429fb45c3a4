"""generation runs: why a run stopped, and the heartbeat of the process running it

``status_reason`` keeps the message of a pause or failure (an unreachable server, Ctrl-C,
an error) for ``coalign runs show``; ``heartbeat_at`` is refreshed while a process runs the
run, so a second process does not run it at the same time.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generation_runs") as batch:
        batch.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generation_runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("status_reason")
