"""``coalign trace``: the whole chain behind one exported row, or behind one record or item.

From an export folder, a row is found by format and index, or by an id (a record id, an item
id, or a mitigator row's ``id``); its lineage is read from ``provenance/<format>.jsonl``, so an
export can be traced without the database. The facilitator page traces a record or an item
live from the store (:func:`trace_in_store`). Both give a :class:`Trace`, which
:func:`render_trace` prints as text with links to the facilitator pages.

Only pseudonymous ids and demographic groups appear, never names (see :mod:`.lineage`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from coalign.core.errors import InputError, NotFoundError
from coalign.core.items import Item
from coalign.export.formats import FORMATS
from coalign.export.lineage import Lineage, LineageResolver
from coalign.store import Store
from coalign.store.ratings import item_by_id, ratings_long_format
from coalign.store.runs import get_run
from coalign.store.studies import study_row

#: Row fields shown in a trace, cut to :data:`_SHOWN` characters.
_ROW_FIELDS = ("prompt", "response", "misaligned_response", "aligned_response", "annotator")
_SHOWN = 160
#: Provenance keys that name what a row was built from, searched by :func:`find_row`.
_ID_KEYS = ("record_id", "item", "chosen_item", "rejected_item")


class Trace(BaseModel):
    """One row's (or one record's or item's) chain, ready to print or render.

    Attributes:
        study: the study's slug (for links).
        what: what was traced, in words (``dpo row 3 of out/``, ``record rec_1``).
        shown: a few of the row's fields, cut short.
        condition: the rater group a row stands for, if any.
        lineage: the chain itself.
    """

    study: str
    what: str
    shown: dict[str, str] = Field(default_factory=dict)
    condition: str | None = None
    lineage: Lineage


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist: is this a coalign export folder?")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _formats(folder: Path) -> list[str]:
    return sorted(p.stem for p in (folder / "provenance").glob("*.jsonl") if p.stem in FORMATS)


def find_row(folder: Path, row_id: str, format_name: str | None = None) -> tuple[str, int]:
    """The format and index of the first row whose provenance or data names ``row_id``.

    Raises:
        NotFoundError: no row of the export (or of ``format_name``) names it.
    """
    for name in [format_name] if format_name else _formats(folder):
        provenance = _lines(folder / "provenance" / f"{name}.jsonl")
        for index, entry in enumerate(provenance):
            if any(entry.get(key) == row_id for key in _ID_KEYS):
                return name, index
        data = folder / "data" / f"{name}.jsonl"
        if data.is_file():
            for index, row in enumerate(_lines(data)):
                if row_id in (row.get("id"), row.get("item_id")):
                    return name, index
    raise NotFoundError(f"no row of the export in {folder} names {row_id!r}")


def trace_named_row(folder: Path, row: str, format_name: str | None = None) -> Trace:
    """The chain behind the row ``row`` names: ``FORMAT:INDEX`` (``dpo:3``), an index of
    ``format_name``, or a record, item or mitigator row id (searched in ``format_name`` if given).

    Raises:
        InputError: an index without a format, or an unknown format.
        NotFoundError: no such folder, format file or row.
    """
    name, sep, number = row.strip().rpartition(":")
    if sep and name in FORMATS and number.isdigit():
        return trace_export_row(folder, name, int(number))
    if row.strip().isdigit():
        if format_name is None:
            raise InputError(f"row {row.strip()} of which format? write FORMAT:{row.strip()}")
        return trace_export_row(folder, format_name, int(row))
    return trace_export_row(folder, format_name, row_id=row.strip())


def trace_export_row(
    folder: Path,
    format_name: str | None = None,
    index: int | None = None,
    row_id: str | None = None,
) -> Trace:
    """The chain behind one row of an export folder, by format and index or by id.

    Raises:
        InputError: neither an index with its format nor an id was given, or an unknown format.
        NotFoundError: no such folder, format file or row.
    """
    if row_id is not None:
        format_name, index = find_row(folder, row_id, format_name)
    if format_name is None or index is None:
        raise InputError("name a row: a format and its index (dpo 3), or a record or item id")
    if format_name not in FORMATS:
        raise InputError(f"unknown format {format_name!r}; formats: {', '.join(FORMATS)}")
    provenance = _lines(folder / "provenance" / f"{format_name}.jsonl")
    if not 0 <= index < len(provenance):
        raise NotFoundError(
            f"{format_name} has {len(provenance)} rows (0 to {len(provenance) - 1}); no row {index}"
        )
    entry = provenance[index]
    if "lineage" not in entry:
        raise InputError(
            f"{folder} was exported before rows carried their lineage: export it again to trace it"
        )
    rows = _lines(folder / "data" / f"{format_name}.jsonl")
    row = rows[index] if index < len(rows) else {}
    lineage = Lineage.model_validate(entry["lineage"])
    return Trace(
        study=_study_of(folder),
        what=f"{format_name} row {index} of {folder}",
        shown=_shown(row),
        condition=entry.get("condition"),
        lineage=lineage,
    )


def _study_of(folder: Path) -> str:
    """The study's slug from the export's ``croissant.json`` (its lineage summary)."""
    try:
        document = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str((document.get("lineage") or {}).get("study") or "")


def _shown(row: dict[str, Any]) -> dict[str, str]:
    """The row's readable fields (chat turns flattened), cut to :data:`_SHOWN` characters."""
    out: dict[str, str] = {}
    for key in (*_ROW_FIELDS, "messages", "chosen", "rejected", "completion"):
        value = row.get(key)
        if isinstance(value, list):
            value = " / ".join(
                f"{t.get('role')}: {t.get('content')}" for t in value if isinstance(t, dict)
            )
        if isinstance(value, str) and value:
            out[key] = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
    for key in ("dimension", "value", "label", "condition"):
        if row.get(key) is not None:
            out[key] = str(row[key])
    return out


def trace_in_store(
    store: Store, slug: str, *, record_id: str | None = None, item_id: str | None = None
) -> Trace:
    """The chain behind a generated record or a rated item of study ``slug``, read from the store.

    Raises:
        InputError: neither or both of ``record_id`` and ``item_id``.
        NotFoundError: no such study, or no such record or item in it.
    """
    if (record_id is None) == (item_id is None):
        raise InputError("trace either a record or an item")
    resolver = LineageResolver(store, slug)
    if record_id is not None:
        lineage = resolver.for_records([record_id])
        if not lineage.records or get_run(store, lineage.records[0].run_id).study_slug != slug:
            raise NotFoundError(f"no generated record {record_id!r} in study {slug!r}")
        return Trace(study=slug, what=f"record {record_id}", lineage=lineage)
    assert item_id is not None
    with store.read() as session:
        row = item_by_id(session, item_id)
        if row is None or row.study_id != study_row(session, slug).id:
            raise NotFoundError(f"no item {item_id!r} in study {slug!r}")
        item = Item(
            id=row.id,
            study_slug=slug,
            prompt=row.prompt,
            response=row.response,
            context=row.context,
            source=row.source,
            language=row.language,
        )
    resolver.load_ratings(
        ratings_long_format(store, slug, item_ids=[item_id], with_demographics=True)
    )
    return Trace(
        study=slug,
        what=f"item {item_id}",
        shown=_shown({"prompt": item.prompt, "response": item.response}),
        lineage=resolver.for_items([item]),
    )


def links(trace: Trace, base_url: str = "") -> dict[str, str]:
    """Facilitator-page addresses for the parts of a trace, keyed ``record:ID``, ``item:ID``,
    ``diary:ID`` and ``workshop:ID``."""
    base, slug = base_url.rstrip("/"), trace.study
    out = {
        f"item:{i.item_id}": f"{base}/f/trace/{slug}/item/{i.item_id}" for i in trace.lineage.items
    }
    out |= {
        f"record:{r.record_id}": f"{base}/f/trace/{slug}/record/{r.record_id}"
        for r in trace.lineage.records
    }
    for seed in trace.lineage.seeds:
        for entry in seed.diary_entries:
            out[f"diary:{entry}"] = f"{base}/f/studies/{slug}#entry-{entry}"
        if seed.workshop_id is not None:
            out[f"workshop:{seed.workshop_id}"] = (
                f"{base}/f/studies/{slug}/workshops/{seed.workshop_id}"
            )
    return out


def _groups(groups: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines = []
    for question, answers in groups.items():
        parts = []
        for answer, cell in answers.items():
            means = ", ".join(f"{d} {v:g}" for d, v in (cell.get("means") or {}).items())
            parts.append(
                f"{answer}: {cell['raters']} raters" + (f", mean {means}" if means else "")
            )
        lines.append(f"{question} — " + "; ".join(parts))
    return lines


def render_trace(trace: Trace, base_url: str = "") -> str:
    """The trace as indented text: row, items and their groups, records, seeds and origins."""
    link = links(trace, base_url)
    lineage = trace.lineage
    out = [f"{trace.what} (study {trace.study})"]
    out += [f"  {key}: {value}" for key, value in trace.shown.items()]
    if trace.condition:
        out.append(f"  stands for rater group {trace.condition}")
    for item in lineage.items:
        source = (
            f"run {item.run_id} / record {item.record_id} / field {item.field}"
            if item.record_id
            else (item.source or "no source recorded")
        )
        out.append(f"item {item.item_id} ← {source}  [{link[f'item:{item.item_id}']}]")
        groups = lineage.ratings_by_group.get(item.item_id)
        if groups:
            out.append("  ratings by demographic group:")
            out += [f"    {line}" for line in _groups(groups)]
        else:
            out.append("  no ratings")
    steps = {s.record_id: s for s in lineage.records}
    depth: dict[str, int] = {}
    for step in lineage.records:
        level = depth.get(step.record_id, 0)
        for parent in step.parents:
            depth.setdefault(parent, level + 1)
        pad = "  " * level
        kind = "record" if level == 0 else "parent record"
        out.append(
            f"{pad}{kind} {step.record_id} (run {step.run_id}, stage {step.stage}) "
            f"[{link[f'record:{step.record_id}']}]"
        )
        out.append(
            f"{pad}  model {step.model_id}; template {step.template_name} "
            f"(sha256 {step.template_hash[:12]}…)"
        )
        if step.example_ids:
            out.append(f"{pad}  seeds shown in-context: {', '.join(step.example_ids)}")
        missing = [p for p in step.parents if p not in steps]
        if missing:
            out.append(f"{pad}  parent(s) no longer in the store: {', '.join(missing)}")
    for seed in lineage.seeds:
        out.append(f"seed {seed.kind} {seed.seed_id}: origin {seed.origin}")
        who = f"author {seed.author}" if seed.author else "no author recorded"
        extra = " (written from a model's draft)" if seed.llm_assisted else ""
        out.append(f"  {who}{extra}; status {seed.status or 'gone'}")
        for entry in seed.diary_entries:
            out.append(f"  diary entry {entry}  [{link[f'diary:{entry}']}]")
        if seed.workshop:
            out.append(
                f"  workshop {seed.workshop}, team {seed.team or '?'}, session "
                f"{seed.workshop_session or '?'}  [{link[f'workshop:{seed.workshop_id}']}]"
            )
        for d in seed.decisions:
            where = f" in workshop {d.workshop}" if d.workshop else ""
            out.append(f"  {d.decision} by {d.decided_by}{where}: {d.reason}")
    if not lineage.seeds:
        out.append("no seed in this lineage")
    return "\n".join(out) + "\n"
