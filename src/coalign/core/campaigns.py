"""Rating campaigns and demographic surveys: what a facilitator configures, as typed objects.

A campaign asks participants to rate prompt–response items on some of the study's value
dimensions, on each dimension's labelled scale, with optional per-item questions and
instructed-response attention checks injected at fixed positions of each person's sequence,
and optional quotas: target counts of people per cell of one or more demographic questions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coalign.core.participants import PREFER_NOT_TO_SAY

Slug = str
CampaignStatus = Literal["open", "closed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemQuestion(_Strict):
    """A closed question asked next to every item, e.g. "Is this about gender?" (yes / no).

    Attributes:
        translations: per language, ``{"text": ..., "options": [...]}`` (options in the same order).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    text: str = Field(min_length=1, max_length=500)
    options: list[str] = Field(default_factory=lambda: ["yes", "no"], min_length=2, max_length=10)
    translations: dict[str, dict[str, str | list[str]]] = Field(default_factory=dict)


class AttentionCheck(_Strict):
    """An instructed-response item: the text tells the reader which scale point to choose.

    Attributes:
        expected_value: the scale point (1 = lowest) to pick on every dimension.
    """

    prompt: str = Field(min_length=1)
    response: str = Field(min_length=1)
    expected_value: int = Field(ge=1, le=10)
    translations: dict[str, dict[str, str]] = Field(default_factory=dict)


class QuotaCell(_Strict):
    """One cell of a quota: an answer to each of the quota's questions, and how many people it wants.

    Attributes:
        answers: ``{question name: answer}``, one entry per question of the quota (an option,
            or ``prefer not to say``, which also stands for a skipped question).
        target: how many people with these answers the campaign takes; later ones are screened
            out with the quota-full code.
    """

    answers: dict[str, str] = Field(min_length=1)
    target: int = Field(ge=0, le=1_000_000)


class Quota(_Strict):
    """Target counts of people per cell of one or more demographic questions (e.g. gender × age band).

    Cells that the quota does not list take anyone; list every cell to cap them all.

    Attributes:
        name: names the quota on the campaign page and in the stored places.
        questions: names of questions of the study's demographics survey.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    questions: list[str] = Field(min_length=1, max_length=4)
    cells: list[QuotaCell] = Field(min_length=1)

    @model_validator(mode="after")
    def _cells_match(self) -> Quota:
        if len(set(self.questions)) != len(self.questions):
            raise ValueError(f"quota {self.name}: a question is named twice")
        seen: set[str] = set()
        for index, cell in enumerate(self.cells):
            if set(cell.answers) != set(self.questions):
                raise ValueError(
                    f"quota {self.name}: cells[{index}] must answer exactly "
                    f"{', '.join(self.questions)} (it answers {', '.join(cell.answers)})"
                )
            key = self.cell_of(cell.answers)
            if key in seen:
                raise ValueError(f"quota {self.name}: cells[{index}] repeats an earlier cell")
            seen.add(key)
        return self

    def cell_of(self, answers: Mapping[str, str]) -> str:
        """The key of the cell a person's ``answers`` fall in (a skipped question counts as
        ``prefer not to say``); stored with each admitted person."""
        return json.dumps(
            [answers.get(q) or PREFER_NOT_TO_SAY for q in self.questions], ensure_ascii=False
        )

    def targets(self) -> dict[str, int]:
        """``{cell key: target}`` of the listed cells."""
        return {self.cell_of(c.answers): c.target for c in self.cells}


class Campaign(_Strict):
    """The settings of one rating campaign.

    Attributes:
        dimensions: names of the study's value dimensions to rate, in display order.
        items_per_participant: how many real items each person rates (attention checks come on top).
        target_ratings: how many people should rate each item (r).
        min_seconds_per_item: a submit sooner than this after the item was shown is refused.
        attention_positions: 1-based places in each person's sequence where a check is shown.
        completion_code: shown (and passed to ``completion_url``) when a person finishes.
        screened_out_code: shown to a person who declines consent.
        full_code: shown to a person who arrives when every item already has its ratings
            (crowd platforms often pay these people a return fee); defaults to
            ``screened_out_code``.
        quotas: target counts of people per demographic cell; a person whose answers fall in
            a full cell is screened out after the survey, before rating anything.
        quota_full_code: shown to a person screened out by a full quota cell; defaults to
            ``screened_out_code``.
        completion_url: where to send finished people, ``{code}`` is replaced by the code,
            e.g. ``https://app.prolific.com/submissions/complete?cc={code}``.
        title_translations: the title in other languages, ``{"de": "…"}``.
        translations: per language, ``{dimension_name: {"name": ..., "definition": ...,
            "scale_labels": [...]}}`` (each part optional; ``name`` is the name participants see).
    """

    slug: Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    study_slug: Slug
    title: str = Field(min_length=1, max_length=300)
    dimensions: list[str] = Field(min_length=1)
    items_per_participant: int = Field(ge=1, le=500)
    target_ratings: int = Field(default=3, ge=1, le=10_000)
    min_seconds_per_item: float = Field(default=0.0, ge=0, le=3600)
    attention_positions: list[int] = Field(default_factory=list)
    attention_checks: list[AttentionCheck] = Field(default_factory=list)
    questions: list[ItemQuestion] = Field(default_factory=list)
    completion_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    screened_out_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    full_code: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"
    )
    quotas: list[Quota] = Field(default_factory=list)
    quota_full_code: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"
    )
    completion_url: str | None = Field(default=None, pattern=r"^https?://")
    status: CampaignStatus = "open"
    title_translations: dict[str, str] = Field(default_factory=dict)
    translations: dict[str, dict[str, dict[str, str | list[str]]]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError("dimensions: a dimension is named twice")
        if len(self.attention_checks) < len(self.attention_positions):
            raise ValueError(
                "each attention position needs its own attention check "
                f"({len(self.attention_positions)} positions, {len(self.attention_checks)} checks)"
            )
        total = self.items_per_participant + len(self.attention_positions)
        if any(p < 1 or p > total for p in self.attention_positions):
            raise ValueError(f"attention_positions must lie between 1 and {total}")
        if len(set(self.attention_positions)) != len(self.attention_positions):
            raise ValueError("attention_positions: a position is named twice")
        if len({q.name for q in self.questions}) != len(self.questions):
            raise ValueError("questions: a question name is used twice")
        if len({q.name for q in self.quotas}) != len(self.quotas):
            raise ValueError("quotas: a quota name is used twice")
        return self


def return_link(completion_url: str | None, code: str) -> str | None:
    """The crowd platform's return link with ``code`` in place of ``{code}``, if there is a link."""
    return completion_url.replace("{code}", code) if completion_url else None


class ImportedItem(_Strict):
    """An item read from a CSV/JSONL file or a generation run, before it is stored.

    Attributes:
        translations: per language, ``{"prompt": ..., "response": ...}``.
    """

    id: str | None = None
    prompt: str = Field(min_length=1)
    response: str = Field(min_length=1)
    context: str | None = None
    source: str | None = None
    language: str = "en"
    translations: dict[str, dict[str, str]] = Field(default_factory=dict)


class DemographicQuestion(_Strict):
    """One question of a demographics survey; every question can be skipped.

    A choice question can offer options that depend on the answer to an earlier question
    (``depends_on``), e.g. ethnicity categories per country of residence: ``options_by_answer``
    maps each answer of that question to its own list, and ``options`` is the list for every
    other answer (a skipped one included).

    Attributes:
        kind: ``choice`` (one of ``options``) or ``text`` (free text, e.g. country).
        self_describe: the option (if any) that opens a free-text self-description.
        depends_on: the name of an earlier choice question whose answer picks the options.
        options_by_answer: ``{answer to depends_on: [options]}``.
        translations: per language, ``{"label": ..., "options": [...],
            "options_by_answer": {answer: [...]}}`` (options in the same order).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1)
    kind: Literal["choice", "text"] = "choice"
    options: list[str] = Field(default_factory=list)
    self_describe: str | None = None
    depends_on: str | None = None
    options_by_answer: dict[str, list[str]] = Field(default_factory=dict)
    translations: dict[str, dict[str, str | list[str] | dict[str, list[str]]]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _options(self) -> DemographicQuestion:
        if (self.depends_on is None) != (not self.options_by_answer):
            raise ValueError(f"{self.name}: depends_on and options_by_answer go together")
        if self.depends_on is not None and self.kind != "choice":
            raise ValueError(f"{self.name}: only a choice question can depend on another")
        if self.kind == "choice" and not self.options and not self.options_by_answer:
            raise ValueError(f"{self.name}: a choice question needs options")
        if self.self_describe is not None and self.self_describe not in self.all_options():
            raise ValueError(f"{self.name}: self_describe must be one of the options")
        return self

    def all_options(self) -> list[str]:
        """Every option that some answer to ``depends_on`` offers, each once, in first-seen order."""
        lists = [self.options, *self.options_by_answer.values()]
        return list(dict.fromkeys(o for options in lists for o in options))

    def choices(self, given: str | None = None) -> list[str]:
        """The options offered, always ending with "prefer not to say".

        Args:
            given: the answer to ``depends_on`` (ignored by a question that depends on none).
        """
        options = self.options_by_answer.get(given or "", self.options)
        return [o for o in options if o != PREFER_NOT_TO_SAY] + [PREFER_NOT_TO_SAY]

    def option_groups(self) -> list[tuple[str | None, list[str]]]:
        """``(answer to depends_on, choices)`` per list a participant may be shown; ``None``
        stands for every other answer. A question that depends on none has one group."""
        groups: list[tuple[str | None, list[str]]] = [
            (answer, self.choices(answer)) for answer in self.options_by_answer
        ]
        if self.options or not groups:
            groups.append((None, self.choices()))
        return groups

    def labels(self, language: str, given: str | None = None) -> list[str]:
        """The translated labels of :meth:`choices` (``given``) in ``language``, where the
        translation has them (else empty: the page shows the options themselves)."""
        text = self.translations.get(language, {})
        found: object = text.get("options", [])
        if given in self.options_by_answer:
            by_answer = text.get("options_by_answer")
            found = by_answer.get(given, []) if isinstance(by_answer, dict) else []
        return list(found) if isinstance(found, list) else []

    def option_label(self, option: str, language: str) -> str | None:
        """The translated label of ``option`` in ``language``, if the translation has one."""
        for given, choices in self.option_groups():
            if option in choices:
                labels = self.labels(language, given)
                index = choices.index(option)
                if index < len(labels):
                    return labels[index]
        return None


def survey_problems(questions: Sequence[DemographicQuestion]) -> list[str]:
    """What is wrong with a survey as a whole: two questions with one name, or a question that
    depends on a later, unknown or free-text question or on answers that question does not offer."""
    problems: list[str] = []
    earlier: dict[str, DemographicQuestion] = {}
    for index, question in enumerate(questions):
        if question.name in earlier:
            problems.append(f"[{index}].name: {question.name!r} is used twice")
        parent = earlier.get(question.depends_on or "")
        if question.depends_on is not None and (parent is None or parent.kind != "choice"):
            problems.append(
                f"[{index}].depends_on: {question.depends_on!r} is not an earlier choice question"
            )
        elif parent is not None:
            unknown = [a for a in question.options_by_answer if a not in parent.all_options()]
            if unknown:
                problems.append(
                    f"[{index}].options_by_answer: {unknown} are not options of {parent.name!r}"
                )
        earlier.setdefault(question.name, question)
    return problems


class Intervention(_Strict):
    """A named system prompt that items are generated under (study 003's "contexts").

    The name becomes each generated item's ``context``, so analyses can model it, e.g. as a
    crossed random intercept ``(1|context)``.

    Attributes:
        system_prompt: per language (``en``, ``de``, …), the system prompt; an empty text means
            no system prompt at all (the "no instruction" baseline).
    """

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
    system_prompt: dict[str, str] = Field(min_length=1)


#: A language code as campaigns use it: ``de``, ``en``, ``pt-BR``.
LANGUAGE_CODE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
TranslationPart = Literal["item", "attention_check", "dimension", "question", "title"]
TranslationStatus = Literal["pending", "accepted"]


class Translation(_Strict):
    """One text of a campaign in another language, waiting for or past a bilingual review.

    Participants see a translation only once it is ``accepted``.

    Attributes:
        part: what the text belongs to.
        subject: the item id, dimension name or question name (empty for the title).
        field: which text of the subject: ``prompt``, ``response``, ``name``, ``definition``,
            ``scale_labels``, ``text``, ``options`` or ``title``. Lists (scale labels, options)
            are one entry per line.
        source_text: the text that was translated, as it stood then.
        text: the translation (the reviewer's version once edited).
        translator: the model id, or ``pasted`` for a translation a person supplied.
        reviewer: who accepted it (a facilitator account or a name given on the command line).
    """

    id: int | None = None
    campaign_id: int
    part: TranslationPart
    subject: str = ""
    field: str
    language: str = Field(pattern=LANGUAGE_CODE)
    source_text: str
    text: str = Field(min_length=1)
    status: TranslationStatus = "pending"
    translator: str = Field(min_length=1)
    reviewer: str | None = None
    reviewed_at: datetime | None = None
