"""group phase: shares with consent, codes and worksheets on them, group clusters, decisions

After the diary phase members share chosen diary entries or model turns with their discussion
group (``group_shares``, with the time they consented), code them (``share_codes``) and zoom out
(``share_worksheets``, one per member and share), cluster them (``group_clusters``), and log the
group's choice of a cluster, the goal written from it, and a facilitator closing or reopening the
phase (``group_decisions``); ``goal_sources`` names the shares a goal derives from. Stopping a
share deletes its codes, worksheets and goal links (cascade).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "group_clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["discussion_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "name"),
    )
    _index("group_clusters", "group_id")
    op.create_table(
        "group_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("diary_entry_id", sa.Integer(), nullable=True),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["discussion_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["diary_entry_id"], ["diary_entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["turn_id"], ["turns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["group_clusters.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "diary_entry_id"),
        sa.UniqueConstraint("group_id", "turn_id"),
    )
    for column in ("group_id", "participant_id", "diary_entry_id", "turn_id", "cluster_id"):
        _index("group_shares", column)
    op.create_table(
        "share_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("part", sa.String(length=32), nullable=True),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["share_id"], ["group_shares.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("share_codes", "share_id")
    _index("share_codes", "participant_id")
    op.create_table(
        "share_worksheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("who_was_affected", sa.Text(), nullable=False),
        sa.Column("what_was_at_stake", sa.Text(), nullable=False),
        sa.Column("what_they_did", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["share_id"], ["group_shares.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("share_id", "participant_id"),
    )
    _index("share_worksheets", "share_id")
    _index("share_worksheets", "participant_id")
    op.create_table(
        "group_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=True),
        sa.Column("facilitator", sa.String(length=80), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("cluster_name", sa.String(length=120), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["discussion_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["cluster_id"], ["group_clusters.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("group_decisions", "group_id")
    _index("group_decisions", "participant_id")
    op.create_table(
        "goal_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["group_decisions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["share_id"], ["group_shares.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "share_id"),
    )
    _index("goal_sources", "decision_id")
    _index("goal_sources", "share_id")


def downgrade() -> None:
    for table in (
        "goal_sources",
        "group_decisions",
        "share_worksheets",
        "share_codes",
        "group_shares",
        "group_clusters",
    ):
        op.drop_table(table)
