"""Reflection boards as files: one row per sticky note, with its provenance, reactions and codes.

A row says where a note came from (study, workshop, session, breakout group, the author's
pseudonymous id, when it was posted), what it says, how others reacted (``reactions``: reaction
→ count) and how the facilitator coded it (``tags``, ``coded_by``, ``coded_at``). JSONL keeps
the structures; CSV flattens them (``+1:2 idea:1``, ``tag; tag``) for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from coalign.coconstruct.reflection import ReflectionNote, study_notes
from coalign.core.errors import InputError
from coalign.store import Store

BoardFormat = Literal["csv", "jsonl"]
#: The columns of a board row, in order.
COLUMNS = (
    "study",
    "workshop",
    "session",
    "group",
    "author",
    "created_at",
    "note_id",
    "text",
    "reactions",
    "tags",
    "coded_by",
    "coded_at",
)


def board_rows(notes: Iterable[ReflectionNote], study: str) -> list[dict[str, Any]]:
    """One row per note, its provenance first (see :data:`COLUMNS`)."""
    return [
        {
            "study": study,
            "workshop": n.workshop,
            "session": n.session,
            "group": n.group,
            "author": n.author,
            "created_at": n.created_at.isoformat(),
            "note_id": n.id,
            "text": n.text,
            "reactions": n.reactions,
            "tags": n.tags,
            "coded_by": n.coded_by,
            "coded_at": n.coded_at.isoformat() if n.coded_at else None,
        }
        for n in notes
    ]


def board_text(rows: list[dict[str, Any]], fmt: BoardFormat) -> str:
    """The rows as JSONL or CSV text.

    Raises:
        InputError: a format other than ``csv`` or ``jsonl``.
    """
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if fmt != "csv":
        raise InputError("a board is exported as csv or jsonl")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "reactions": " ".join(f"{k}:{v}" for k, v in row["reactions"].items()),
                "tags": "; ".join(row["tags"]),
                "coded_by": row["coded_by"] or "",
                "coded_at": row["coded_at"] or "",
            }
        )
    return buffer.getvalue()


def export_boards(store: Store, slug: str, path: str | Path, workshop_id: int | None = None) -> int:
    """Write the notes of a study's boards (or one workshop's) to ``path``, CSV or JSONL by its
    suffix; returns how many.

    Raises:
        InputError: a suffix other than ``.csv`` or ``.jsonl``.
        NotFoundError: no such study or workshop.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise InputError(f"{path}: write the board to a .csv or a .jsonl file")
    fmt: BoardFormat = "csv" if suffix == ".csv" else "jsonl"
    rows = board_rows(study_notes(store, slug, workshop_id), slug)
    path.write_text(board_text(rows, fmt), encoding="utf-8")
    return len(rows)
