"""the language each item was shown in when it was rated

``assignments.display_language`` is the interface language of the page a participant submitted
the item from (``en``, ``de`` …): participants may switch language half-way, so the language of
a rating is recorded with the rating's assignment rather than read from the participant, whose
``language`` holds only their latest choice. Assignments submitted before this revision keep
``NULL`` (unknown): no language is guessed for them.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("display_language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("display_language")
