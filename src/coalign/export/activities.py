"""Export of a study's co-construction data as JSONL: diaries, conversations, codes, axes, seeds,
workshops' session-2 handouts (each group's dimension, run and questions) and reflection boards
(notes with reactions and codes), and the steered chat (steered turns with candidates and
scores, feedback, shared prompts).

Participants appear by their pseudonymous ids only; demographics are never part of this export.
Diary images are written beside the JSONL (``diary_images/<entry id>.<ext>``) and named in the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from coalign.coconstruct.axes import group_attributes, study_groups
from coalign.coconstruct.coding import study_codes
from coalign.coconstruct.diary import entry_image, study_entries
from coalign.coconstruct.interact import study_conversations
from coalign.coconstruct.reflection import study_notes
from coalign.coconstruct.workshop import study_workshops
from coalign.coconstruct.workshop_handout import workshop_handouts
from coalign.export.boards import board_rows
from coalign.steer.chat import study_steered_turns
from coalign.steer.prompt_library import study_library
from coalign.steer.repair import study_feedback
from coalign.store import Store
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.study.seed_review import decisions

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def _write(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
    return count


def _dump(model: BaseModel, **extra: object) -> dict[str, Any]:
    return {**model.model_dump(mode="json"), **extra}


def export_activities(store: Store, slug: str, folder: str | Path) -> dict[str, int]:
    """Write ``diaries``, ``conversations``, ``codes``, ``axes``, ``seeds``, ``seed_decisions``,
    ``handouts``, ``reflection_notes`` (see :mod:`coalign.export.boards`), ``steered_turns``,
    ``steer_feedback`` and ``shared_prompts`` JSONL files of study ``slug`` to ``folder``;
    returns the row count per file.

    Raises:
        NotFoundError: no such study.
    """
    folder = Path(folder)
    entries = study_entries(store, slug)
    conversations = study_conversations(store, slug)
    codes = study_codes(store, slug)
    groups = study_groups(store, slug)
    folder.mkdir(parents=True, exist_ok=True)
    diary_rows = []
    for entry in entries:
        image = None
        if entry.image_type:
            data, media_type = entry_image(store, entry.id)
            image = f"diary_images/{entry.id}.{_EXTENSIONS[media_type]}"
            (folder / "diary_images").mkdir(exist_ok=True)
            (folder / image).write_bytes(data)
        diary_rows.append(_dump(entry, image=image))
    axis_rows = []
    for group in groups:
        attributes = group_attributes(store, group.id)
        for axis in group.axes:
            axis_rows.append(
                _dump(
                    axis,
                    group=group.name,
                    goal=group.goal.sentence() if group.goal else None,
                    attributes=[a.model_dump() for a in attributes if a.axis_id == axis.id],
                )
            )
    handout_rows = [
        {
            "workshop": workshop.slug,
            "group": h.group,
            "dimension": h.dimension.name if h.dimension else None,
            "run_id": h.run_id,
            "status": h.status,
            "questions": [q.model_dump() for q in h.questions],
        }
        for workshop in study_workshops(store, slug)
        for h in workshop_handouts(store, slug, workshop.id)
    ]
    seeds = [_dump(s, kind="seed_question") for s in list_seed_questions(store, slug, status=None)]
    seeds += [_dump(s, kind="seed_example") for s in list_seed_examples(store, slug, status=None)]
    return {
        "diaries": _write(folder / "diaries.jsonl", diary_rows),
        "conversations": _write(folder / "conversations.jsonl", (_dump(c) for c in conversations)),
        "codes": _write(folder / "codes.jsonl", (_dump(c) for c in codes)),
        "axes": _write(folder / "axes.jsonl", axis_rows),
        "seeds": _write(folder / "seeds.jsonl", seeds),
        "seed_decisions": _write(
            folder / "seed_decisions.jsonl", (_dump(d) for d in decisions(store, slug))
        ),
        "handouts": _write(folder / "handouts.jsonl", handout_rows),
        "reflection_notes": _write(
            folder / "reflection_notes.jsonl", board_rows(study_notes(store, slug), slug)
        ),
        "steered_turns": _write(
            folder / "steered_turns.jsonl", (_dump(t) for t in study_steered_turns(store, slug))
        ),
        "steer_feedback": _write(
            folder / "steer_feedback.jsonl", (_dump(f) for f in study_feedback(store, slug))
        ),
        "shared_prompts": _write(
            folder / "shared_prompts.jsonl", (_dump(p) for p in study_library(store, slug))
        ),
    }
