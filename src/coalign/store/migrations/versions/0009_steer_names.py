"""the steered chat under one name: ``steer_*`` tables, verdicts of run ``steer``

The steered chat was ``cochat`` in modules, ``chat`` in the CLI and tables and ``steer`` in URLs;
it is ``steer`` everywhere now. ``chat_candidates``, ``chat_feedback`` and ``chat_limits`` become
``steer_candidates``, ``steer_feedback`` and ``steer_limits``; the axis judges' verdicts move from
run ``cochat`` to run ``steer``.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

RENAMES = (
    ("chat_candidates", "steer_candidates"),
    ("chat_feedback", "steer_feedback"),
    ("chat_limits", "steer_limits"),
)
INDEXES = {  # table (new name) -> indexed columns
    "steer_feedback": ("participant_id", "turn_id"),
    "steer_candidates": ("record_id", "steered_turn_id"),
}


def _rename(pairs: tuple[tuple[str, str], ...], old_index: int) -> None:
    for pair in pairs:
        old, new = pair[old_index], pair[1 - old_index]
        table = pair[1]
        for column in INDEXES.get(table, ()):
            op.drop_index(f"ix_{old}_{column}", table_name=old)
        op.rename_table(old, new)
        for column in INDEXES.get(table, ()):
            op.create_index(f"ix_{new}_{column}", new, [column])


def upgrade() -> None:
    _rename(RENAMES, 0)
    op.execute("UPDATE verdicts SET run_id = 'steer' WHERE run_id = 'cochat'")


def downgrade() -> None:
    op.execute("UPDATE verdicts SET run_id = 'cochat' WHERE run_id = 'steer'")
    _rename(RENAMES, 1)
