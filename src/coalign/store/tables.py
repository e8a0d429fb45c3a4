"""SQLAlchemy 2 tables for every artefact coalign keeps.

JSON columns hold small structured values (lists of labels, sampling params, lineage lists); anything
that is queried or joined on is a real column. Migrations in ``store/migrations`` create these tables;
change both together.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the store uses."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of all coalign tables."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class StudyRow(Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    deployment_context: Mapped[str] = mapped_column(Text, default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    entities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DimensionRow(Base):
    __tablename__ = "value_dimensions"
    __table_args__ = (UniqueConstraint("study_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    definition: Mapped[str] = mapped_column(Text)
    scale_labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    origin: Mapped[str] = mapped_column(String(32), default="researcher")
    examples: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class TopicRow(Base):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("study_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(32), default="researcher")
    position: Mapped[int] = mapped_column(Integer, default=0)


class QuestionTypeRow(Base):
    __tablename__ = "question_types"
    __table_args__ = (UniqueConstraint("study_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="open")
    example: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(32), default="researcher")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ParticipantRow(Base):
    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="participant")
    token_hash: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    external_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DemographicAnswerRow(Base):
    """Kept in its own table, apart from the work, so access can be restricted to it alone."""

    __tablename__ = "demographic_answers"
    __table_args__ = (UniqueConstraint("participant_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(120))
    answer: Mapped[str] = mapped_column(Text)
    self_description: Mapped[str | None] = mapped_column(Text, nullable=True)


class SeedQuestionRow(Base):
    __tablename__ = "seed_questions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(120))
    question_type: Mapped[str] = mapped_column(String(120))
    author: Mapped[str | None] = mapped_column(String(120), nullable=True)
    group: Mapped[str | None] = mapped_column("group_name", String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeedExampleRow(Base):
    __tablename__ = "seed_examples"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    misaligned_response: Mapped[str] = mapped_column(Text)
    critique: Mapped[str] = mapped_column(Text)
    aligned_response: Mapped[str] = mapped_column(Text)
    dimensions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    topic: Mapped[str | None] = mapped_column(String(120), nullable=True)
    question_type: Mapped[str | None] = mapped_column(String(120), nullable=True)
    author: Mapped[str | None] = mapped_column(String(120), nullable=True)
    group: Mapped[str | None] = mapped_column("group_name", String(120), nullable=True)
    llm_assisted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ItemRow(Base):
    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RatingRow(Base):
    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("participant_id", "item_id", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(80))
    value: Mapped[int] = mapped_column(Integer)
    seconds_taken: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RunRow(Base):
    __tablename__ = "generation_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    recipe_name: Mapped[str] = mapped_column(String(200))
    recipe: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_id: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    #: Why the run was paused or failed (the error message), for ``coalign runs show``.
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    planned: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Refreshed while a process runs the run (see :func:`coalign.store.runs.claim_run`).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RecordRow(Base):
    __tablename__ = "records"
    # Records are read in id order a page at a time (keyset pagination), per run and per stage:
    # these indexes let every page start where the last ended instead of sorting the whole run.
    __table_args__ = (
        Index("ix_records_run_id_id", "run_id", "id"),
        Index("ix_records_run_stage_id", "run_id", "stage", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("generation_runs.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(64), index=True)
    parents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    example_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    template_name: Mapped[str] = mapped_column(String(200))
    template_hash: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raw_output: Mapped[str] = mapped_column(Text, default="")
    parse_status: Mapped[str] = mapped_column(String(16), default="ok")
    parse_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VerdictRow(Base):
    """One judgement of a record; re-judging keeps the old row with ``current`` False."""

    __tablename__ = "verdicts"
    __table_args__ = (Index("ix_verdicts_record_rule", "record_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(120))
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    judge: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    current: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    validation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ValidationRow(Base):
    """One validation pass over a run: filters, judge or review, with its config and warnings."""

    __tablename__ = "validations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(
        ForeignKey("generation_runs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    judge_model: Mapped[str | None] = mapped_column(Text, nullable=True)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelCallRow(Base):
    """Every model call, cached or not, successful or not (DESIGN principle 1)."""

    __tablename__ = "model_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(32))
    request_hash: Mapped[str] = mapped_column(String(64), index=True)
    messages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    json_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    completion_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str | None] = mapped_column(String(120), nullable=True)
    finish_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- participation platform: accounts, campaigns, enrolments, assignments (migration 0003) ---


class AccountRow(Base):
    """A facilitator or admin who logs in to the web app; only an argon2 hash of the password is kept."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="facilitator")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginAttemptRow(Base):
    """Every login attempt, so failed ones can be rate-limited per user name and per client."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AppSettingRow(Base):
    """Small key/value settings of the web app (e.g. the cookie-signing secret)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DemographicSurveyRow(Base):
    """The demographics questions of one study (the default survey applies when a study has none)."""

    __tablename__ = "demographic_surveys"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True)
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CampaignRow(Base):
    """A rating campaign: items × value dimensions, with its assignment and attention-check settings."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("study_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    dimensions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    items_per_participant: Mapped[int] = mapped_column(Integer)
    target_ratings: Mapped[int] = mapped_column(Integer)
    min_seconds_per_item: Mapped[float] = mapped_column(Float, default=0.0)
    attention_positions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    completion_code: Mapped[str] = mapped_column(String(64))
    screened_out_code: Mapped[str] = mapped_column(String(64))
    completion_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignItemRow(Base):
    """An item in a campaign: a real item to rate, or an instructed-response attention check."""

    __tablename__ = "campaign_items"
    __table_args__ = (UniqueConstraint("campaign_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="item")
    instruction: Mapped[str | None] = mapped_column(Text, nullable=True)
    expected_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class EnrollmentRow(Base):
    """A participant's place in a campaign: invited, screened out, rating or completed."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("campaign_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    invite_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    demographics_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssignmentRow(Base):
    """One item given to one participant in a campaign, with its autosaved draft and final answers.

    Ratings themselves go to ``ratings`` on submit; attention-check values and answers to per-item
    questions stay here in ``answers``.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("campaign_id", "participant_id", "item_id"),
        UniqueConstraint("campaign_id", "participant_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="item")
    status: Mapped[str] = mapped_column(String(16), default="assigned")
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    draft_saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    shown_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seconds_taken: Mapped[float | None] = mapped_column(Float, nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attention_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
