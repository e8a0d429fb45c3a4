"""Reads an export's card and checks each statement it makes against the files the export wrote."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

#: Sentences that were once written whatever the export did; none may come back.
FALSE_BEFORE = (
    "No ratings were aggregated",
    "rows come from the generated triples",
    "maps each row of a TRL format",
)
_ORIGINS = ("diary", "workshop", "import", "withdrawn", "unknown")


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def table(card: str, heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after the line ``heading`` (header row left out)."""
    after = card.split(heading, 1)[1].lstrip("\n")
    rows = []
    for line in after.splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[2:]  # the header and the |---| line


def check_card(folder: Path) -> str:
    """Assert that the card of ``folder`` says only what its files show; returns the card."""
    card = (folder / "README.md").read_text(encoding="utf-8")
    for sentence in FALSE_BEFORE:
        assert sentence not in card, sentence
    provenance: dict[str, list[dict[str, Any]]] = {}
    for name, _, _, rows in table(card, "## Files"):
        name = name.strip("`")
        data = lines(folder / "data" / f"{name}.jsonl")
        provenance[name] = lines(folder / "provenance" / f"{name}.jsonl")
        assert int(rows) == len(data) == len(provenance[name]), name
    records: dict[str, dict[str, Any]] = {}
    for name, entries in provenance.items():
        assert all("lineage" in e for e in entries), name
        participant = sum(e["lineage"]["participant_written"] for e in entries)
        origins = Counter(o for e in entries for o in e["lineage"]["origins"])
        without = sum(not e["lineage"].get("seeds") for e in entries)
        by = ", ".join(f"{o} {origins[o]}" for o in _ORIGINS if origins[o])
        line = (
            f"- `{name}`: {participant} of {len(entries)} rows descend from seeds that participants "
            "wrote in this study"
            + (f" (rows with a seed of each origin in their lineage: {by})" if by else "")
            + f"; {without} rows have no seed in their lineage."
        )
        assert line in card, (line, card)
        for e in entries:
            records |= {r["record_id"]: r for r in e["lineage"].get("records", [])}
    models = table(card, "## Models") if "| model |" in card else []
    generators = {m.strip("`") for m, role, _ in models if role.startswith("generator")}
    assert generators == {r["model_id"] for r in records.values()}
    if records:
        templates = {
            (stage, name, sha.strip("`"))
            for stage, name, sha, _ in table(card, "### Prompt templates")
        }
        assert templates == {
            (r["stage"], r["template_name"], r["template_hash"]) for r in records.values()
        }
        stages = Counter(r["stage"] for r in records.values())
        by_stage = ", ".join(f"{s} {n}" for s, n in sorted(stages.items()))
        assert f"Generated records behind the rows: {len(records)} ({by_stage})" in card
    judged_by_model = [m for m, role, _ in models if role.startswith("LLM judge")]
    if not judged_by_model:
        assert "LLM judge" not in card
    strategy = re.search(r"Strategy: \*\*([a-z-]+)\*\*", card)
    assert strategy is not None
    for name in provenance:
        if name == "annotators":
            assert f"- `{name}` rows: one row per rating" in card
        elif strategy.group(1) == "none":
            assert f"- `{name}` rows: the accepted generated triples as they are" in card
        else:
            assert f"- `{name}` rows: built from the ratings, aggregated by the strategy" in card
    if strategy.group(1) == "none" or set(provenance) == {"annotators"}:
        assert "aggregated labels summarise" not in card
    rating = re.search(r"ratings by (\d+) raters", card)
    excluded = re.search(r"Left out: (\d+) of (\d+) raters", card)
    if excluded:  # whoever the policy did not leave out is who the ratings come from
        assert rating is not None
        assert int(excluded.group(2)) - int(excluded.group(1)) == int(rating.group(1)), card
    if "annotators" in provenance and rating:
        annotators = {r["annotator"] for r in lines(folder / "data" / "annotators.jsonl")}
        assert len(annotators) == int(rating.group(1))
    croissant = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    assert {k: v["participant_written"] for k, v in croissant["lineage"]["rows"].items()} == {
        k: sum(e["lineage"]["participant_written"] for e in v) for k, v in provenance.items()
    }
    return card
