"""steerable chat: steered turns and their candidates, feedback, forks, shared prompts, limits

Steered turns (slider targets, composed system prompt, best-of-n choice) and their candidate
answers, participants' feedback on turns (understood / valid marks, flags linked to diary
entries, mitigator passes), conversations rewound from others, the study's shared prompt
library, and the facilitator's daily limit of steered turns per participant.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_limits",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("daily_turns", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("study_id"),
    )
    op.create_table(
        "shared_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_shared_prompts_participant_id"), "shared_prompts", ["participant_id"], unique=False
    )
    op.create_index(
        op.f("ix_shared_prompts_study_id"), "shared_prompts", ["study_id"], unique=False
    )
    op.create_table(
        "conversation_forks",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("from_position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_index(
        op.f("ix_conversation_forks_parent_id"), "conversation_forks", ["parent_id"], unique=False
    )
    op.create_table(
        "chat_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("diary_entry_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["diary_entry_id"], ["diary_entries.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["turn_id"], ["turns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_chat_feedback_participant_id"), "chat_feedback", ["participant_id"], unique=False
    )
    op.create_index(op.f("ix_chat_feedback_turn_id"), "chat_feedback", ["turn_id"], unique=False)
    op.create_table(
        "steered_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("shared_prompt_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["turn_id"], ["turns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_steered_turns_conversation_id"), "steered_turns", ["conversation_id"], unique=False
    )
    op.create_index(
        op.f("ix_steered_turns_created_at"), "steered_turns", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_steered_turns_participant_id"), "steered_turns", ["participant_id"], unique=False
    )
    op.create_index(op.f("ix_steered_turns_turn_id"), "steered_turns", ["turn_id"], unique=True)
    op.create_table(
        "chat_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("steered_turn_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["steered_turn_id"], ["steered_turns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_chat_candidates_record_id"), "chat_candidates", ["record_id"], unique=False
    )
    op.create_index(
        op.f("ix_chat_candidates_steered_turn_id"),
        "chat_candidates",
        ["steered_turn_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_candidates_steered_turn_id"), table_name="chat_candidates")
    op.drop_index(op.f("ix_chat_candidates_record_id"), table_name="chat_candidates")
    op.drop_table("chat_candidates")
    op.drop_index(op.f("ix_steered_turns_turn_id"), table_name="steered_turns")
    op.drop_index(op.f("ix_steered_turns_participant_id"), table_name="steered_turns")
    op.drop_index(op.f("ix_steered_turns_created_at"), table_name="steered_turns")
    op.drop_index(op.f("ix_steered_turns_conversation_id"), table_name="steered_turns")
    op.drop_table("steered_turns")
    op.drop_index(op.f("ix_chat_feedback_turn_id"), table_name="chat_feedback")
    op.drop_index(op.f("ix_chat_feedback_participant_id"), table_name="chat_feedback")
    op.drop_table("chat_feedback")
    op.drop_index(op.f("ix_conversation_forks_parent_id"), table_name="conversation_forks")
    op.drop_table("conversation_forks")
    op.drop_index(op.f("ix_shared_prompts_study_id"), table_name="shared_prompts")
    op.drop_index(op.f("ix_shared_prompts_participant_id"), table_name="shared_prompts")
    op.drop_table("shared_prompts")
    op.drop_table("chat_limits")
