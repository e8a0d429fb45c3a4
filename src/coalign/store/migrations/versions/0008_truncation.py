"""truncation kept: why the model stopped, and which chat answers the token limit cut off

``model_calls.finish_reason`` is ``stop``, or ``length`` when generation stopped at
``max_tokens``; a cached answer keeps it, so a cut-off text is never served as a whole one.
``turns.truncated`` and ``chat_candidates.truncated`` mark the chat answers that were cut off,
so every page that shows them can say so (DESIGN principle 8).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_calls") as batch:
        batch.add_column(sa.Column("finish_reason", sa.String(length=32), nullable=True))
    for table in ("turns", "chat_candidates"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("truncated", sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    for table in ("chat_candidates", "turns"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("truncated")
    with op.batch_alter_table("model_calls") as batch:
        batch.drop_column("finish_reason")
