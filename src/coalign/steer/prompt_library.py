"""The study's shared prompt library: participants save prompts others may find useful.

Anyone in the study can browse the library and reuse a prompt; each reuse in a steered chat is
counted, so the most useful prompts rise to the top.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from coalign.coconstruct.interact import message_text
from coalign.core.coconstruction import MAX_NAME
from coalign.core.errors import InputError, NotFoundError
from coalign.participation.members import member
from coalign.store import Store
from coalign.store.steer import (
    add_shared_prompt,
    shared_prompt_by_id,
    shared_prompts_by_use,
    study_shared_prompts,
)
from coalign.store.steer_tables import SharedPromptRow
from coalign.store.studies import study_row


class SharedPrompt(BaseModel):
    """A prompt in the library, with who shared it and how often it was reused."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    text: str
    participant_id: str
    uses: int


def _view(row: SharedPromptRow) -> SharedPrompt:
    return SharedPrompt.model_validate(row)


def share_prompt(store: Store, participant_id: str, text: str, title: str = "") -> SharedPrompt:
    """Add a prompt to the participant's study library.

    Raises:
        InputError: an empty or too long prompt, or a title over 120 characters.
        AccessDeniedError: not a consenting participant.
    """
    text = message_text(text)
    title = title.strip()
    if len(title) > MAX_NAME:
        raise InputError(f"a title may have at most {MAX_NAME} characters, not {len(title)}")
    with store.session() as session:
        person = member(session, participant_id)
        row = add_shared_prompt(session, person.study_id, participant_id, title, text)
        return _view(row)


def library(store: Store, participant_id: str) -> list[SharedPrompt]:
    """The study's shared prompts, most reused first, then newest first."""
    with store.read() as session:
        person = member(session, participant_id)
        return [_view(row) for row in shared_prompts_by_use(session, person.study_id)]


def shared_prompt(store: Store, participant_id: str, prompt_id: int) -> SharedPrompt:
    """One prompt of the participant's study library (:class:`NotFoundError` otherwise)."""
    with store.read() as session:
        person = member(session, participant_id)
        return _view(library_row(session, person.study_id, prompt_id))


def library_row(session: Session, study_id: int, prompt_id: int) -> SharedPromptRow:
    """A library prompt of study ``study_id``.

    Raises:
        NotFoundError: no such prompt in that study.
    """
    row = shared_prompt_by_id(session, prompt_id)
    if row is None or row.study_id != study_id:
        raise NotFoundError(f"no shared prompt {prompt_id} in your study")
    return row


def study_library(store: Store, slug: str) -> list[SharedPrompt]:
    """Every shared prompt of a study, oldest first (for export)."""
    with store.read() as session:
        rows = study_shared_prompts(session, study_row(session, slug).id)
        return [_view(row) for row in rows]
