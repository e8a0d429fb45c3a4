"""Familiarize: the training a study gives before participants code their own conversations.

Untrained coders label what a turn *does* ("summary", "introduction") instead of the value it
shows or misses. A study's ``training`` section therefore describes an unrelated context, shows
example interactions there with good and bad codes, and ends with a short multiple-choice check;
open coding opens once a participant reaches the pass mark. In ``study.yaml``::

    training:
      context: A recipe assistant in a community kitchen …
      examples:
        - turns:
            - {role: user, content: …}
            - {role: assistant, content: …}
          good_codes: [{label: respects dietary needs, why: …}]
          bad_codes: [{label: summary, why: …}]
      questions:
        - id: what-a-code-names
          text: Which code names a value?
          options:
            - {text: …, correct: true, feedback: …}
            - {text: …, feedback: …}
      pass_mark: 2          # questions answered right; all of them when left out

Every participant-facing text is either one string or one string per language
(``{en: …, de: …}``); the study checks that those languages are its own and that its first
language is always given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

#: One text, or the same text per language code (``{"en": "…", "de": "…"}``).
Localized = str | dict[str, str]


def pick(text: Localized, language: str, default: str) -> str:
    """``text`` in ``language``, else in the study's ``default`` language (a plain string is the
    same in every language)."""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get(default) or next(iter(text.values()))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _text_or_texts(value: object) -> object:
    """Refuse anything but a string or a mapping of language codes to strings, in one line
    (instead of one error per member of the union)."""
    if isinstance(value, str) or (
        isinstance(value, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        return value
    raise ValueError("expected a text, or a text per language such as {en: …, de: …}")


def _nonempty(value: Localized) -> Localized:
    texts = [value] if isinstance(value, str) else list(value.values())
    if not texts or not all(t.strip() for t in texts):
        raise ValueError("must not be empty")
    return value


#: A participant-facing text of the training: not empty, in any of its languages.
Text = Annotated[Localized, BeforeValidator(_text_or_texts), AfterValidator(_nonempty)]


class TrainingTurn(_Strict):
    """One turn of an example interaction: the user's message or the model's answer."""

    role: Literal["user", "assistant"]
    content: Text


class ExampleCode(_Strict):
    """A code on an example interaction's model answer, with why it is a good or a bad code."""

    label: Text
    why: Text


class TrainingExample(_Strict):
    """An interaction in the training's context with codes that name values (``good_codes``)
    and codes that do not (``bad_codes``, such as "summary")."""

    turns: list[TrainingTurn] = Field(min_length=1)
    good_codes: list[ExampleCode] = Field(min_length=1)
    bad_codes: list[ExampleCode] = Field(default_factory=list)

    @field_validator("turns")
    @classmethod
    def _has_an_answer(cls, turns: list[TrainingTurn]) -> list[TrainingTurn]:
        if not any(t.role == "assistant" for t in turns):
            raise ValueError("an example needs at least one assistant turn to code")
        return turns


class CheckOption(_Strict):
    """One answer to a check question, with the feedback a participant sees after choosing it."""

    text: Text
    correct: bool = False
    feedback: Text


class CheckQuestion(_Strict):
    """A multiple-choice question of the check; exactly one option is correct."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    text: Text
    options: list[CheckOption] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _one_correct(cls, options: list[CheckOption]) -> list[CheckOption]:
        correct = sum(o.correct for o in options)
        if correct != 1:
            raise ValueError(f"exactly one option must be correct (found {correct})")
        return options

    @property
    def correct_option(self) -> int:
        """The position of the correct option."""
        return next(i for i, o in enumerate(self.options) if o.correct)


class Training(_Strict):
    """A study's training: an unrelated context, examples with codes, and a check with a pass mark.

    Attributes:
        context: the unrelated setting the examples come from, described for participants.
        examples: interactions in that setting with good and bad codes.
        questions: the check, answered in one go.
        pass_mark: how many questions must be answered right (all of them when not given).
    """

    context: Text
    examples: list[TrainingExample] = Field(min_length=1)
    questions: list[CheckQuestion] = Field(min_length=1)
    pass_mark: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Training:
        ids = [q.id for q in self.questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"questions: duplicate id {', '.join(duplicates)}")
        if self.pass_mark is not None and self.pass_mark > len(self.questions):
            raise ValueError(
                f"pass_mark: {self.pass_mark} is more than the {len(self.questions)} questions"
            )
        return self

    @property
    def required(self) -> int:
        """How many questions must be answered right to pass."""
        return self.pass_mark if self.pass_mark is not None else len(self.questions)

    def digest(self) -> str:
        """A SHA-256 of the training as configured, recorded with every attempt so an attempt
        names the exact version of the check it answered."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def texts(self) -> Iterator[tuple[str, Localized]]:
        """Every participant-facing text with the path of its key (``questions[1].options[0].text``)."""
        yield "context", self.context
        for e, example in enumerate(self.examples):
            for t, turn in enumerate(example.turns):
                yield f"examples[{e}].turns[{t}].content", turn.content
            for kind in ("good_codes", "bad_codes"):
                for c, code in enumerate(getattr(example, kind)):
                    yield f"examples[{e}].{kind}[{c}].label", code.label
                    yield f"examples[{e}].{kind}[{c}].why", code.why
        for q, question in enumerate(self.questions):
            yield f"questions[{q}].text", question.text
            for o, option in enumerate(question.options):
                yield f"questions[{q}].options[{o}].text", option.text
                yield f"questions[{q}].options[{o}].feedback", option.feedback

    def language_problems(self, languages: list[str]) -> list[str]:
        """Texts given per language that name a language outside ``languages`` or lack the first
        (default) one; one line each, naming the key."""
        problems = []
        for where, text in self.texts():
            if isinstance(text, str):
                continue
            unknown = sorted(set(text) - set(languages))
            if unknown:
                problems.append(
                    f"training.{where}: {', '.join(unknown)} not among the study's languages"
                )
            if languages[0] not in text:
                problems.append(f"training.{where}: needs a text in {languages[0]}")
        return problems
