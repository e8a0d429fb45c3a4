"""Export of a study's co-construction data as JSONL: the training and its check attempts,
diaries, conversations, codes, axes, seeds, the groups' phase (shared entries with who shared
them and when, their codes and worksheets; the groups' choices and goals with the entries they
derive from), the groups' agreed top-3 and top-5 axes (who recorded them, when) and the
facilitators' verdicts on pairs of axes across groups (with the similarity and embedder that
suggested them), the participants' feedback on each phase of the process, workshops' session-2
handouts (each group's dimension, run and questions) and reflection boards (notes with reactions
and codes), and the steered chat (steered turns with
candidates and scores, feedback, shared prompts).

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
from coalign.coconstruct.axes_comparison import study_pair_judgements
from coalign.coconstruct.coding import study_codes
from coalign.coconstruct.diary import entry_image, study_entries
from coalign.coconstruct.group_phase import study_group_phases
from coalign.coconstruct.group_ranking import group_ranking_comparison
from coalign.coconstruct.interact import study_conversations
from coalign.coconstruct.process_feedback import study_process_feedback
from coalign.coconstruct.reflection import study_notes
from coalign.coconstruct.training import study_attempts, study_training
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


def _group_phase_rows(store: Store, slug: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of ``group_shares`` (who shared what with which group, and when they consented) and
    ``group_decisions`` (each choice, goal, closing and reopening; a goal with the shares and
    diary entries or turns it derives from)."""
    shares, decisions = [], []
    for phase in study_group_phases(store, slug):
        clusters = {c.id: c.name for c in phase.clusters}
        by_id = {s.id: s for s in phase.shares}
        for share in phase.shares:
            shares.append(
                _dump(share, group=phase.group, cluster=clusters.get(share.cluster_id or 0))
            )
        for decision in phase.decisions:
            sources = [by_id[i] for i in decision.share_ids if i in by_id]
            decisions.append(
                _dump(
                    decision,
                    group=phase.group,
                    diary_entry_ids=[s.diary_entry_id for s in sources if s.diary_entry_id],
                    turn_ids=[s.turn_id for s in sources if s.turn_id],
                )
            )
    return shares, decisions


def export_activities(store: Store, slug: str, folder: str | Path) -> dict[str, int]:
    """Write ``training``, ``training_attempts``, ``diaries``, ``conversations``, ``codes``,
    ``axes``, ``group_shares``, ``group_decisions``, ``group_axis_rankings``,
    ``axis_pair_judgements``, ``process_feedback``, ``seeds``, ``seed_decisions``, ``handouts``,
    ``reflection_notes`` (see :mod:`coalign.export.boards`), ``steered_turns``, ``steer_feedback``
    and ``shared_prompts`` JSONL files of study ``slug`` to ``folder``; returns the row count per
    file.

    ``training`` holds the study's training as configured with its digest (no row: the study
    trains nobody); each row of ``training_attempts`` names the digest of the training it
    answered, the language it was shown in, and every answer with its question and option.

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
    share_rows, decision_rows = _group_phase_rows(store, slug)
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
    ranking_rows = [
        _dump(ranking, group=group.name)
        for group in groups
        for ranking in group_ranking_comparison(store, slug, group.id).rankings
    ]
    seeds = [_dump(s, kind="seed_question") for s in list_seed_questions(store, slug, status=None)]
    seeds += [_dump(s, kind="seed_example") for s in list_seed_examples(store, slug, status=None)]
    training = study_training(store, slug)
    training_rows = [_dump(training, digest=training.digest())] if training else []
    return {
        "training": _write(folder / "training.jsonl", training_rows),
        "training_attempts": _write(
            folder / "training_attempts.jsonl", (_dump(a) for a in study_attempts(store, slug))
        ),
        "diaries": _write(folder / "diaries.jsonl", diary_rows),
        "conversations": _write(folder / "conversations.jsonl", (_dump(c) for c in conversations)),
        "codes": _write(folder / "codes.jsonl", (_dump(c) for c in codes)),
        "axes": _write(folder / "axes.jsonl", axis_rows),
        "group_shares": _write(folder / "group_shares.jsonl", share_rows),
        "group_decisions": _write(folder / "group_decisions.jsonl", decision_rows),
        "group_axis_rankings": _write(folder / "group_axis_rankings.jsonl", ranking_rows),
        "axis_pair_judgements": _write(
            folder / "axis_pair_judgements.jsonl",
            (_dump(j) for j in study_pair_judgements(store, slug)),
        ),
        "process_feedback": _write(
            folder / "process_feedback.jsonl",
            (_dump(f) for f in study_process_feedback(store, slug)),
        ),
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
