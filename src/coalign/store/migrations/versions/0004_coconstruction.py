"""co-construction: misalignment diaries, conversations and turns, codes and clusters, axes, workshops

Diary entries (with an optional image), conversations with the study's model (own and shared
baseline ones) and their turns, participants' codes on turns or spans and their named clusters,
discussion groups with pre-discussion attributes, axes and post-discussion rankings, seed
workshops, and the log of accept/reject decisions on seeds.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussion_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("goal", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("study_id", "name"),
    )
    op.create_index(
        op.f("ix_discussion_groups_study_id"), "discussion_groups", ["study_id"], unique=False
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("session", sa.Integer(), nullable=False),
        sa.Column("session_minutes", sa.Integer(), nullable=False),
        sa.Column("break_every_minutes", sa.Integer(), nullable=False),
        sa.Column("session_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("study_id", "slug"),
    )
    op.create_index(op.f("ix_workshops_study_id"), "workshops", ["study_id"], unique=False)
    op.create_table(
        "axes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("example_turn_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["discussion_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "name"),
    )
    op.create_index(op.f("ix_axes_group_id"), "axes", ["group_id"], unique=False)
    op.create_table(
        "code_clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "name"),
    )
    op.create_index(
        op.f("ix_code_clusters_participant_id"), "code_clusters", ["participant_id"], unique=False
    )
    op.create_index(op.f("ix_code_clusters_study_id"), "code_clusters", ["study_id"], unique=False)
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_conversations_participant_id"), "conversations", ["participant_id"], unique=False
    )
    op.create_index(op.f("ix_conversations_study_id"), "conversations", ["study_id"], unique=False)
    op.create_table(
        "diary_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("values_at_stake", sa.Text(), nullable=False),
        sa.Column("image_type", sa.String(length=32), nullable=True),
        sa.Column("image_data", sa.LargeBinary(), nullable=True),
        sa.Column("seed_question_id", sa.String(length=64), nullable=True),
        sa.Column("seed_example_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_diary_entries_participant_id"), "diary_entries", ["participant_id"], unique=False
    )
    op.create_index(op.f("ix_diary_entries_study_id"), "diary_entries", ["study_id"], unique=False)
    op.create_table(
        "seed_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("seed_kind", sa.String(length=16), nullable=False),
        sa.Column("seed_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_seed_decisions_seed_id"), "seed_decisions", ["seed_id"], unique=False)
    op.create_index(
        op.f("ix_seed_decisions_study_id"), "seed_decisions", ["study_id"], unique=False
    )
    op.create_table(
        "axis_rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("axis_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["axis_id"], ["axes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("axis_id", "participant_id"),
    )
    op.create_index(op.f("ix_axis_rankings_axis_id"), "axis_rankings", ["axis_id"], unique=False)
    op.create_index(
        op.f("ix_axis_rankings_participant_id"), "axis_rankings", ["participant_id"], unique=False
    )
    op.create_table(
        "pre_discussion_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("axis_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["axis_id"], ["axes.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["discussion_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "participant_id", "rank"),
    )
    op.create_index(
        op.f("ix_pre_discussion_attributes_group_id"),
        "pre_discussion_attributes",
        ["group_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pre_discussion_attributes_participant_id"),
        "pre_discussion_attributes",
        ["participant_id"],
        unique=False,
    )
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "position"),
    )
    op.create_index(op.f("ix_turns_conversation_id"), "turns", ["conversation_id"], unique=False)
    op.create_table(
        "codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["code_clusters.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["turn_id"], ["turns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_codes_cluster_id"), "codes", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_codes_participant_id"), "codes", ["participant_id"], unique=False)
    op.create_index(op.f("ix_codes_study_id"), "codes", ["study_id"], unique=False)
    op.create_index(op.f("ix_codes_turn_id"), "codes", ["turn_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_codes_turn_id"), table_name="codes")
    op.drop_index(op.f("ix_codes_study_id"), table_name="codes")
    op.drop_index(op.f("ix_codes_participant_id"), table_name="codes")
    op.drop_index(op.f("ix_codes_cluster_id"), table_name="codes")
    op.drop_table("codes")
    op.drop_index(op.f("ix_turns_conversation_id"), table_name="turns")
    op.drop_table("turns")
    op.drop_index(
        op.f("ix_pre_discussion_attributes_participant_id"), table_name="pre_discussion_attributes"
    )
    op.drop_index(
        op.f("ix_pre_discussion_attributes_group_id"), table_name="pre_discussion_attributes"
    )
    op.drop_table("pre_discussion_attributes")
    op.drop_index(op.f("ix_axis_rankings_participant_id"), table_name="axis_rankings")
    op.drop_index(op.f("ix_axis_rankings_axis_id"), table_name="axis_rankings")
    op.drop_table("axis_rankings")
    op.drop_index(op.f("ix_seed_decisions_study_id"), table_name="seed_decisions")
    op.drop_index(op.f("ix_seed_decisions_seed_id"), table_name="seed_decisions")
    op.drop_table("seed_decisions")
    op.drop_index(op.f("ix_diary_entries_study_id"), table_name="diary_entries")
    op.drop_index(op.f("ix_diary_entries_participant_id"), table_name="diary_entries")
    op.drop_table("diary_entries")
    op.drop_index(op.f("ix_conversations_study_id"), table_name="conversations")
    op.drop_index(op.f("ix_conversations_participant_id"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index(op.f("ix_code_clusters_study_id"), table_name="code_clusters")
    op.drop_index(op.f("ix_code_clusters_participant_id"), table_name="code_clusters")
    op.drop_table("code_clusters")
    op.drop_index(op.f("ix_axes_group_id"), table_name="axes")
    op.drop_table("axes")
    op.drop_index(op.f("ix_workshops_study_id"), table_name="workshops")
    op.drop_table("workshops")
    op.drop_index(op.f("ix_discussion_groups_study_id"), table_name="discussion_groups")
    op.drop_table("discussion_groups")
