"""The exceptions coalign raises, one tree so doors can catch them in one place.

::

    CoalignError                 anything coalign reports as a clear, one-line message
    ├── InputError               a file, option or value the user gave is not acceptable
    │   └── StudyFileError       a study / seed file failed validation (names the bad key)
    ├── NotFoundError            a named study, run, item … does not exist
    ├── StoreError               the database cannot be opened, reached or migrated
    ├── AccessDeniedError        this person may not see or do that (role, session, link)
    │   ├── LinkExpiredError     an invite link or session that was valid has expired
    │   ├── RateLimitedError     too many failed attempts; try again later
    │   └── TrainingRequiredError  coding waits until the study's training check is passed
    ├── ConflictError            the action clashes with the current state
    │   └── CampaignClosedError  the campaign takes no more participants or answers
    └── ModelError               a model call failed
        ├── ModelUnavailableError    the backend cannot be loaded or reached (after retries)
        └── ModelOutputError         the model answered, but not in the requested shape
            └── TruncatedOutputError the answer stopped at max_tokens before it was complete
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class CoalignError(Exception):
    """Base of every error coalign reports to a user as one clear line."""


class InputError(CoalignError):
    """A file, option or value supplied by the user is not acceptable."""


class StudyFileError(InputError):
    """A file people edit (study, seeds, campaign, survey) failed to read or validate.

    Args:
        path: the file that failed.
        problems: one human-readable line per problem, each naming the bad key.
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class NotFoundError(CoalignError):
    """A named object (study, run, item, …) does not exist in the store."""


class StoreError(CoalignError):
    """The store cannot be opened, reached or migrated."""


class AccessDeniedError(CoalignError):
    """The person may not see or do this: wrong role, no session, or a wrong link."""


class LinkExpiredError(AccessDeniedError):
    """An invite link or a session that was once valid has expired."""


class RateLimitedError(AccessDeniedError):
    """Too many failed attempts in a short time; the caller must wait."""


class TrainingRequiredError(AccessDeniedError):
    """The study trains its participants before they code, and this person has not yet passed
    the training check."""


class ConflictError(CoalignError):
    """The action clashes with the current state, e.g. submitting an item twice with other answers."""


class CampaignClosedError(ConflictError):
    """The campaign is closed: nobody new may join and nothing more may be submitted.

    A person sent by a crowd platform still needs a way back to it, so the error carries one.

    Args:
        message: what happened.
        code: the campaign's screen-out code, which tells the platform the person could not take part.
        return_url: the platform's return link with that code filled in, if the campaign has one.
    """

    def __init__(self, message: str, *, code: str, return_url: str | None) -> None:
        self.code = code
        self.return_url = return_url
        super().__init__(message)


class ModelError(CoalignError):
    """A model call failed."""


class ModelUnavailableError(ModelError):
    """The backend cannot be loaded or reached, even after retries."""


class ModelOutputError(ModelError):
    """The model answered, but its output does not match the requested schema.

    Args:
        message: what was wrong.
        raw_output: the text the model produced, kept so nothing is lost.
    """

    def __init__(self, message: str, raw_output: str) -> None:
        self.raw_output = raw_output
        super().__init__(message)


class TruncatedOutputError(ModelOutputError):
    """Structured output that stopped at ``max_tokens`` before it was complete.

    It is a parse failure like any other (re-asked, then kept with its raw output), but records
    and verdicts say ``truncated`` so a cut-off text is never mistaken for a whole one.
    """


def describe_validation_error(error: ValidationError, prefix: str = "") -> list[str]:
    """One line per pydantic problem, each starting with the path of the bad key.

    Args:
        error: a pydantic ``ValidationError``.
        prefix: the path of the validated value inside its file, e.g. ``seed_examples[3]``.
    """
    lines = []
    for item in error.errors():
        where = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])
        lines.append(f"{where.lstrip('.') or '(top level)'}: {item['msg']}")
    return lines
