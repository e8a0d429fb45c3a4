"""The filter protocol, its shared context, and the registry that names filters in YAML.

A filter takes the records of a run (or any list of :class:`~coalign.core.Record`) and returns
one :class:`~coalign.core.Verdict` per record it applies to; it never removes anything. Each
built-in is a plain function registered with :func:`register` together with a pydantic model
of its options, so a YAML file can name it, its options are checked before anything runs,
and the options are recorded with the verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from coalign.core import Record, SeedExample, SeedQuestion, Study, Verdict
from coalign.core.coconstruction import DiaryEntry
from coalign.core.errors import InputError
from coalign.validation.metrics.distributions import TokenCounter, count_tokens
from coalign.validation.metrics.embeddings import Embedder

RULE_JUDGE = "rule"


#: Fields a question record carries, and the fields a response record carries.
QUESTION_FIELDS: tuple[str, ...] = ("question",)
RESPONSE_FIELDS: tuple[str, ...] = ("misaligned_response", "critique", "aligned_response")


def is_response_record(record: Record) -> bool:
    """A record carries responses when its stage says so or its data has a response field."""
    return "respon" in record.stage.lower() or any(f in record.data for f in RESPONSE_FIELDS)


class FilterOptions(BaseModel):
    """Base of every filter's options; unknown keys are errors that name the key.

    Attributes:
        stages: only records of these stages are judged (``None``: every stage).
        applies_to: ``questions`` (records without response fields), ``responses`` or ``all``.
    """

    model_config = ConfigDict(extra="forbid")

    stages: list[str] | None = None
    applies_to: Literal["all", "questions", "responses"] = "all"


@dataclass
class FilterContext:
    """What filters share during one validation: the embedder, the tokenizer, earlier verdicts, the study's seeds.

    The embedder is created on first use, so rules that need none never load a model.
    """

    embedder_factory: Callable[[], Embedder] | None = None
    tokenizer: TokenCounter = count_tokens
    verdicts: list[Verdict] = field(default_factory=list)
    #: The LLM judge (a :class:`coalign.llm.Model`) for the ``relevance`` rule, if any.
    judge: Any = None
    #: The study of the records, for judge criteria (deployment context, dimension definitions).
    study: Study | None = None
    #: The study's seeds and diary entries, for the ``seed_copy`` rule (``None``: not loaded).
    seed_questions: list[SeedQuestion] | None = None
    seed_examples: list[SeedExample] | None = None
    diary_entries: list[DiaryEntry] | None = None
    _embedder: Embedder | None = None

    @property
    def embedder(self) -> Embedder:
        """The shared embedder (all-MiniLM-L6-v2 unless a factory says otherwise)."""
        if self._embedder is None:
            if self.embedder_factory is None:
                from coalign.validation.metrics.embeddings import MiniLMEmbedder

                self._embedder = MiniLMEmbedder()
            else:
                self._embedder = self.embedder_factory()
        return self._embedder


OptionsT = TypeVar("OptionsT", bound=FilterOptions)
RuleFunction = Callable[[Sequence[Record], Any, FilterContext, str], list[Verdict]]


class Filter(Protocol):
    """One configured filter: a name (the verdicts' ``rule``) and one method."""

    name: str

    def __call__(self, records: Sequence[Record], context: FilterContext) -> list[Verdict]:
        """Judge ``records``; return one verdict per record the filter applies to."""
        ...


@dataclass(frozen=True)
class RuleSpec(Generic[OptionsT]):
    """A registered rule: its function, its options model and a one-line description."""

    rule: str
    options: type[OptionsT]
    function: RuleFunction
    summary: str


@dataclass
class ConfiguredFilter:
    """A rule bound to validated options under a verdict name."""

    name: str
    spec: RuleSpec[Any]
    options: FilterOptions

    def __call__(self, records: Sequence[Record], context: FilterContext) -> list[Verdict]:
        """Run the rule on the records of the configured stages."""
        if self.options.stages is not None:
            wanted = set(self.options.stages)
            records = [r for r in records if r.stage in wanted]
        if self.options.applies_to != "all":
            responses = self.options.applies_to == "responses"
            records = [r for r in records if is_response_record(r) == responses]
        return self.spec.function(records, self.options, context, self.name)

    def describe(self) -> dict[str, Any]:
        """``{"name", "rule", "options"}``, as stored alongside the verdicts."""
        return {"name": self.name, "rule": self.spec.rule, "options": self.options.model_dump()}


RULES: dict[str, RuleSpec[Any]] = {}


def register(rule: str, options: type[OptionsT]) -> Callable[[RuleFunction], RuleFunction]:
    """Decorator: make ``function`` available under ``rule`` with ``options`` as its schema."""

    def wrap(function: RuleFunction) -> RuleFunction:
        if rule in RULES:
            raise ValueError(f"rule {rule!r} registered twice")
        doc = (function.__doc__ or "").strip().splitlines()
        RULES[rule] = RuleSpec(
            rule=rule, options=options, function=function, summary=doc[0] if doc else ""
        )
        return function

    return wrap


def verdict(
    record: Record, name: str, passed: bool, score: float | None = None, reason: str = ""
) -> Verdict:
    """A rule verdict for ``record`` (``judge`` is ``"rule"``)."""
    return Verdict(
        record_id=record.id, rule=name, passed=passed, score=score, reason=reason, judge=RULE_JUDGE
    )


def require_records(records: Sequence[Record]) -> None:
    """Raise :class:`InputError` on an empty record list: validating nothing is a mistake."""
    if not records:
        raise InputError("there are no records to validate")
