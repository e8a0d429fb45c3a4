"""SQLAlchemy 2 tables for every artefact coalign keeps.

JSON columns hold small structured values (lists of labels, sampling params, lineage lists); anything
that is queried or joined on is a real column. Migrations in ``store/migrations`` create these tables;
change both together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

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
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of all coalign tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


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
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The study's training before coding (:class:`coalign.core.training.Training`), or ``None``.
    training: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
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
