"""A study: its deployment context, value dimensions, topics, question types and entity slots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coalign.core.training import Training

Name = str
QuestionKind = Literal["open", "closed", "other"]
Origin = Literal["researcher", "participant", "derived_axis", "imported"]

DEFAULT_SCALE = [
    "strongly disagree",
    "disagree",
    "neither agree nor disagree",
    "agree",
    "strongly agree",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValueDimension(_Strict):
    """A value dimension (or a derived axis) that items are rated on and critiques name.

    Attributes:
        name: short identifier, e.g. ``fairness``.
        definition: what the dimension means in this study, in the study's own words.
        scale_labels: labels of the 5-point (or n-point) scale, lowest first.
        origin: who introduced it (researcher, participants, a derived axis …).
        examples: short illustrative texts (e.g. turns that show the axis).
    """

    name: Name = Field(min_length=1, max_length=80)
    definition: str = Field(min_length=1)
    scale_labels: list[str] = Field(default_factory=lambda: list(DEFAULT_SCALE), min_length=2)
    origin: Origin = "researcher"
    examples: list[str] = Field(default_factory=list)


class Topic(_Strict):
    """A topic that seed and synthetic questions are balanced over."""

    name: Name = Field(min_length=1, max_length=120)
    description: str = ""
    origin: Origin = "researcher"


class QuestionType(_Strict):
    """A question type (e.g. *how-to*, *comparison*, *instruction*) with its kind."""

    name: Name = Field(min_length=1, max_length=120)
    description: str = ""
    kind: QuestionKind = "open"
    example: str = ""
    origin: Origin = "researcher"


_Named = TypeVar("_Named", ValueDimension, Topic, QuestionType)


class StudyTranslation(_Strict):
    """A study's participant-facing texts in one more language (each part optional: a missing part
    is shown in the study's first language)."""

    title: str | None = Field(default=None, min_length=1)
    description: str | None = None
    consent_text: str | None = None


class Study(_Strict):
    """The design of one study; everything else in coalign hangs off a study.

    Attributes:
        slug: a stable, URL-safe id chosen by the researcher (``bank-assistant``).
        title: human-readable title.
        deployment_context: where and for whom the model is deployed.
        system_prompt: the prompt the deployed model runs under.
        languages: ISO codes of the languages participants may use; first is the default.
        entities: replaceable slot values, e.g. ``{"country": ["Kenya", "Peru"]}``.
        translations: per language, the title, description and consent text participants see
            (``{"de": {"title": …, "consent_text": …}}``).
        training: the training participants pass before they code (``None``: coding is open
            to everyone who consented, without training); see :mod:`coalign.core.training`.
    """

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    title: str = Field(min_length=1)
    description: str = ""
    deployment_context: str = ""
    system_prompt: str = ""
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    consent_text: str = ""
    dimensions: list[ValueDimension] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    question_types: list[QuestionType] = Field(default_factory=list)
    entities: dict[str, list[str]] = Field(default_factory=dict)
    translations: dict[str, StudyTranslation] = Field(default_factory=dict)
    training: Training | None = None

    @model_validator(mode="after")
    def _translated_languages(self) -> Study:
        unknown = sorted(set(self.translations) - set(self.languages))
        if unknown:
            raise ValueError(
                f"translations: {', '.join(unknown)} not among the study's languages "
                f"({', '.join(self.languages)}); add it to languages or remove the translation"
            )
        problems = self.training.language_problems(self.languages) if self.training else []
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @field_validator("dimensions", "topics", "question_types")
    @classmethod
    def _unique_names(cls, values: list[_Named]) -> list[_Named]:
        seen: set[str] = set()
        for value in values:
            if value.name in seen:
                raise ValueError(f"duplicate name {value.name!r}")
            seen.add(value.name)
        return values

    def dimension(self, name: str) -> ValueDimension:
        """The dimension called ``name``; raises ``KeyError`` if the study has none."""
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        raise KeyError(name)


def study_text(
    translations: Mapping[str, Mapping[str, Any]], language: str, part: str, original: str
) -> str:
    """Part ``part`` (``title``, ``description``, ``consent_text``) of a study in ``language``:
    the stored translation (``{"de": {"title": …}}``), else ``original``."""
    translated = translations.get(language, {}).get(part)
    return translated if isinstance(translated, str) and translated else original
