"""Typed domain objects shared by every stage. This package does no I/O and imports nothing else of coalign."""

from coalign.core.calls import CallLog, ChatRequest, Completion, Message, ModelCall, SamplingParams
from coalign.core.errors import (
    CoalignError,
    InputError,
    ModelError,
    ModelOutputError,
    ModelUnavailableError,
    NotFoundError,
    StoreError,
    StudyFileError,
    TruncatedOutputError,
)
from coalign.core.items import Item, Rating
from coalign.core.participants import PREFER_NOT_TO_SAY, DemographicAnswer
from coalign.core.records import GenerationRun, Record, Verdict
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionType, Study, Topic, ValueDimension
from coalign.core.validations import ValidationPass

__all__ = [
    "PREFER_NOT_TO_SAY",
    "CallLog",
    "ChatRequest",
    "CoalignError",
    "Completion",
    "DemographicAnswer",
    "GenerationRun",
    "InputError",
    "Item",
    "Message",
    "ModelCall",
    "ModelError",
    "ModelOutputError",
    "ModelUnavailableError",
    "NotFoundError",
    "QuestionType",
    "Rating",
    "Record",
    "SamplingParams",
    "SeedExample",
    "SeedQuestion",
    "StoreError",
    "Study",
    "StudyFileError",
    "Topic",
    "TruncatedOutputError",
    "ValidationPass",
    "ValueDimension",
    "Verdict",
]
