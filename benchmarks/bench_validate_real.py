"""Validation measured on REAL embedded-model output (issue 14): the corpus and the labeling sheet.

The synthetic corpus of ``bench_validate.py`` plants defects by hand; this benchmark instead
generates with the embedded default model (SmolLM2-135M through llama.cpp) on two seed sets that
differ from the bank example - a town library with a citizens' office, and agricultural extension
advice for smallholders - with long topic and question-type names, personas, both response modes
and ``max_tokens`` from 48 to 200 (``benchmarks/data/validate_real/``, described in its README).

Steps (subcommands):

``generate``
    Imports each seed set into a throwaway SQLite store, runs each of its recipes to the end and
    writes every record, accepted or not (parse failures and cut-off outputs included), to
    ``records.jsonl``, plus each seed set's seeds in a readable form (``seeds.jsonl``,
    ``seeds.md``). Generation is deterministic: fixed recipe seeds, fixed limits, one thread
    (set ``COALIGN_THREADS=1``; another thread count can change llama.cpp's arithmetic), so a
    rerun reproduces the same records and the same keys.
``sheet``
    Draws a seeded sample of records, stratified over seed set × stage, and writes
    ``to_label.jsonl``: each record with everything a person needs to judge whether it is usable
    (its topic, question type and dimension with their descriptions, the persona, the parent
    question, and the seeds it was shown in context) and no rule's verdict.

``measure``
    Stores the records of ``records.jsonl`` as their runs in a fresh SQLite store (one per seed
    set, the study and its seeds imported), validates every run with coalign's filters (the
    defaults, or ``--filters FILE``; ``--compare FILE`` adds a second configuration), and compares
    the accepted set with the labels a person gave by hand (``labels.jsonl``, by key; written
    blind to every rule). A record is accepted as an export takes it: parsed, no failing verdict,
    and its question (for a response) accepted too. Prints the precision of the accepted set
    (usable among accepted), the recall of usable records (accepted among usable), per stage and
    per seed set, and per rule how many usable and unusable labelled records it rejected; with
    ``--compare`` also the ratio of the two configurations' precision and recall.
    Goal (issue 14): precision >= 0.9 and recall >= 0.8.
    The labelled model output holds very few usable records (the embedded model is tiny), so
    recall is also measured where usable text is plentiful: the human-written seeds of three
    studies (the bank example and both seed sets), stored as a run of question and response
    records and validated with the same filters (``seed_copy`` left out: a seed would copy
    itself). Every seed is usable by construction; the share accepted is the recall on clean
    text, and the rejections per rule name the rules that would drop good data.

Run::

    COALIGN_THREADS=1 python benchmarks/bench_validate_real.py generate   # ~20-30 min on 1 core
    python benchmarks/bench_validate_real.py sheet --size 170
    python benchmarks/bench_validate_real.py measure [--filters FILE] [--compare FILE]

Each record's ``key`` is a hash of its stage and its field texts (the raw output when nothing
parsed), so labels stored against keys survive a rerun that reproduces the same text.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from coalign.core.ids import content_hash
from coalign.core.records import Record
from coalign.store import open_store
from coalign.store.runs import iter_records
from coalign.study import StudyBundle, import_study
from coalign.synth import execute, prepare

DATA = Path(__file__).resolve().parent / "data" / "validate_real"
RECORDS = DATA / "records.jsonl"
SHEET = DATA / "to_label.jsonl"
SEED_SETS = ("city-library-services", "smallholder-farm-advice")
STAGE_FIELDS = {
    "questions": ("question",),
    "responses": ("misaligned_response", "critique", "aligned_response"),
}


class LogProgress:
    """Prints one line per finished record, with elapsed seconds, flushed (for a nohup log)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.perf_counter()
        self.counts: Counter[tuple[str, bool]] = Counter()

    def stage_started(self, stage: str, total: int, done: int) -> None:
        print(
            f"[{self._elapsed()}] {self.label} {stage}: {total} tasks ({done} stored)", flush=True
        )

    def task_done(self, stage: str, ok: bool) -> None:
        self.counts[(stage, ok)] += 1
        n = self.counts[(stage, True)] + self.counts[(stage, False)]
        print(
            f"[{self._elapsed()}] {self.label} {stage} #{n} {'ok' if ok else 'FAILED'}", flush=True
        )

    def _elapsed(self) -> str:
        return f"{time.perf_counter() - self.started:7.1f}s"


def record_key(stage: str, data: dict[str, Any], raw_output: str) -> str:
    """A stable key from the stage and the record's texts (raw output when none parsed).

    A response's key covers the question it answers too, so equal triples for two different
    questions differ.
    """
    names = ("question", *STAGE_FIELDS[stage]) if stage == "responses" else STAGE_FIELDS[stage]
    fields = {f: data.get(f) for f in names} if data else {}
    if not any(fields.get(f) for f in STAGE_FIELDS[stage]):
        fields = {"raw_output": raw_output}
    return "k_" + content_hash([stage, fields], 16)


def _recipes(seed_set: str) -> list[Path]:
    return sorted((DATA / seed_set).glob("recipe-*.yaml"))


def _row(seed_set: str, recipe: str, record: Record, questions: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "key": record_key(record.stage, record.data, record.raw_output),
        "seed_set": seed_set,
        "recipe": recipe,
        "stage": record.stage,
        "record_id": record.id,
        "run_id": record.run_id,
        "attributes": record.attributes,
        "example_ids": record.example_ids,
        "parents": record.parents,
        "data": record.data,
        "raw_output": record.raw_output,
        "parse_status": record.parse_status,
        "parse_error": record.parse_error,
        "params": record.params.model_dump(mode="json"),
        "seed": record.seed,
        "template_name": record.template_name,
        "model_id": record.model_id,
    }
    if record.parents:
        # Stage-2 records carry the text of the question they answer, for readers of the file.
        row["question"] = questions.get(record.parents[0])
    return row


def _seed_rows(seed_set: str, bundle: StudyBundle) -> list[dict[str, Any]]:
    rows = [
        {
            "seed_set": seed_set,
            "kind": "seed_question",
            **q.model_dump(mode="json", exclude_none=True),
        }
        for q in bundle.seed_questions
    ]
    rows += [
        {
            "seed_set": seed_set,
            "kind": "seed_example",
            **e.model_dump(mode="json", exclude_none=True),
        }
        for e in bundle.seed_examples
    ]
    return rows


def _seeds_markdown(bundle: StudyBundle) -> str:
    study = bundle.study
    lines = [f"# Seeds of `{study.slug}`: {study.title}", "", study.deployment_context or "", ""]
    lines += ["## Value dimensions", ""]
    lines += [f"- **{d.name}**: {d.definition}" for d in study.dimensions]
    lines += ["", "## Topics", ""]
    lines += [f"- **{t.name}**: {t.description}" for t in study.topics]
    lines += ["", "## Question types", ""]
    lines += [f"- **{q.name}** ({q.kind}): {q.description}" for q in study.question_types]
    lines += ["", "## Seed questions", ""]
    for q in bundle.seed_questions:
        lines.append(f"- `{q.id}` [{q.topic} × {q.question_type}; {q.author}/{q.group}] {q.text}")
    lines += ["", "## Seed examples", ""]
    for e in bundle.seed_examples:
        lines += [
            f"### `{e.id}` ({', '.join(e.dimensions)}; {e.topic} × {e.question_type})",
            "",
            f"- question: {e.question}",
            f"- misaligned_response: {e.misaligned_response}",
            f"- critique: {e.critique}",
            f"- aligned_response: {e.aligned_response}",
            "",
        ]
    return "\n".join(lines) + "\n"


#: Recipes in the order they run: the cheap ones of both seed sets first, so a run cut short
#: still has records of both.
ORDER = (
    ("city-library-services", "recipe-short-personas.yaml"),
    ("smallholder-farm-advice", "recipe-short.yaml"),
    ("city-library-services", "recipe-chained.yaml"),
    ("smallholder-farm-advice", "recipe-long-personas.yaml"),
)


def generate(limit: int | None, only: list[str] | None, out: Path = RECORDS) -> None:
    """Run every recipe of every seed set into a throwaway store and dump all records.

    ``out`` is rewritten after each recipe, so a run stopped early leaves the finished recipes.
    """
    if os.environ.get("COALIGN_THREADS") != "1":
        print("note: COALIGN_THREADS is not 1; records may differ from the committed corpus")
    missing = {p.relative_to(DATA) for s in SEED_SETS for p in _recipes(s)} - {
        Path(s) / name for s, name in ORDER
    }
    if missing:
        raise SystemExit(f"recipes not in ORDER: {sorted(map(str, missing))}")
    rows: list[dict[str, Any]] = []
    seeds: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coalign-validate-real-") as tmp:
        for seed_set in SEED_SETS:
            with open_store(str(Path(tmp) / f"{seed_set}.db")) as store:
                bundle = import_study(store, DATA / seed_set / "study.yaml")
            seeds += _seed_rows(seed_set, bundle)
            (DATA / seed_set / "seeds.md").write_text(_seeds_markdown(bundle), encoding="utf-8")
        _write_jsonl(DATA / "seeds.jsonl", seeds)
        for seed_set, name in ORDER:
            recipe_path = DATA / seed_set / name
            recipe = yaml.safe_load(recipe_path.read_text(encoding="utf-8"))["name"]
            if only and recipe not in only:
                continue
            with open_store(str(Path(tmp) / f"{seed_set}.db")) as store:
                summary = execute(
                    store,
                    prepare(store, recipe_path, limit=limit),
                    LogProgress(f"{seed_set}/{recipe}"),
                )
                for stage in summary.stages:
                    print(
                        f"{seed_set}/{recipe} {stage.stage}: planned {stage.planned}, ok "
                        f"{stage.ok}, failed {stage.failed} (cut off {stage.truncated})",
                        flush=True,
                    )
                records = list(iter_records(store, summary.run.id))
            questions = {
                r.id: r.data.get("question", "") for r in records if r.stage == "questions"
            }
            rows += [_row(seed_set, recipe, r, questions) for r in records]
            _write_jsonl(out, _unique_keys(rows))
    print(f"wrote {len(rows)} records to {out} in {time.perf_counter() - started:.0f} s")
    for (seed_set, stage, recipe, status), n in sorted(
        Counter((r["seed_set"], r["stage"], r["recipe"], r["parse_status"]) for r in rows).items()
    ):
        print(f"  {seed_set:<24} {stage:<10} {recipe:<24} {status:<10} {n}")


def _unique_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``rows`` where a repeated text (the same question twice) gets ``-2``, ``-3`` …"""
    seen: Counter[str] = Counter()
    out = []
    for row in rows:
        seen[row["key"]] += 1
        n = seen[row["key"]]
        out.append({**row, "key": row["key"] + (f"-{n}" if n > 1 else "")})
    return out


def _fill(text: str, entities: dict[str, str]) -> str:
    """A seed text with its ``{slot}`` entities filled as they were in the prompt, when known."""
    return re.sub(r"\{(\w+)\}", lambda m: entities.get(m.group(1), m.group(0)), text)


def _conditions(seed_set: str) -> dict[tuple[str, str], dict[str, str]]:
    """(recipe, persona name) -> the persona entry, from the recipe files."""
    out = {}
    for path in _recipes(seed_set):
        recipe = yaml.safe_load(path.read_text(encoding="utf-8"))
        for stage in recipe["stages"].values():
            for persona in (stage or {}).get("personas", []):
                out[(recipe["name"], persona["name"])] = persona
    return out


def _sheet_row(
    row: dict[str, Any], studies: dict[str, Any], seeds: dict[str, Any]
) -> dict[str, Any]:
    study = studies[row["seed_set"]]
    attrs = row["attributes"]
    topics = {t["name"]: t for t in study["topics"]}
    types = {q["name"]: q for q in study["question_types"]}
    dims = {d["name"]: d for d in study["dimensions"]}
    entities = attrs.get("entities") or {}
    fields = STAGE_FIELDS[row["stage"]]
    out: dict[str, Any] = {
        "key": row["key"],
        "seed_set": row["seed_set"],
        "stage": row["stage"],
        "deployment_context": study["deployment_context"],
        "topic": {"name": attrs["topic"], "description": topics[attrs["topic"]]["description"]},
        "question_type": {
            "name": attrs["question_type"],
            "kind": types[attrs["question_type"]]["kind"],
            "description": types[attrs["question_type"]]["description"],
            "example": types[attrs["question_type"]].get("example"),
        },
    }
    if attrs.get("dimension"):
        dim = dims[attrs["dimension"]]
        out["dimension"] = {"name": dim["name"], "definition": dim["definition"]}
    persona = studies["_personas"][row["seed_set"]].get((row["recipe"], attrs.get("persona")))
    if persona:
        out["persona"] = persona
    if row["stage"] == "responses":
        out["question"] = row.get("question")
    out["fields"] = {f: row["data"].get(f) for f in fields}
    out["raw_output"] = row["raw_output"]
    out["max_tokens"] = row["params"]["max_tokens"]
    shown = []
    for seed_id in row["example_ids"]:
        seed = seeds[seed_id]
        if seed["kind"] == "seed_question":
            shown.append(
                {
                    "id": seed_id,
                    "text": _fill(seed["text"], entities),
                    "topic": seed["topic"],
                    "question_type": seed["question_type"],
                }
            )
        else:
            shown.append(
                {
                    "id": seed_id,
                    "dimensions": seed["dimensions"],
                    **{
                        f: _fill(seed[f], entities)
                        for f in ("question", "misaligned_response", "critique", "aligned_response")
                    },
                }
            )
    out["seeds_shown"] = shown
    return out


def sheet(size: int, seed: int, records: Path = RECORDS, out: Path = SHEET) -> None:
    """Write ``to_label.jsonl``: a seeded sample stratified over seed set × stage, no verdicts."""
    rows = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
    seeds = {
        s["id"]: s
        for s in map(json.loads, (DATA / "seeds.jsonl").read_text(encoding="utf-8").splitlines())
    }
    studies: dict[str, Any] = {"_personas": {}}
    for seed_set in SEED_SETS:
        design = yaml.safe_load((DATA / seed_set / "study.yaml").read_text(encoding="utf-8"))
        studies[seed_set] = design["study"]
        studies["_personas"][seed_set] = _conditions(seed_set)
    strata: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["key"]):
        strata.setdefault((row["seed_set"], row["stage"]), []).append(row)
    rng = random.Random(seed)
    # Equal shares per stratum; a stratum too small to fill its share gives the rest to others.
    quota = {name: 0 for name in strata}
    left = size
    while left > 0 and any(quota[n] < len(strata[n]) for n in strata):
        for name in sorted(strata):
            if left and quota[name] < len(strata[name]):
                quota[name] += 1
                left -= 1
    picked = [row for name in sorted(strata) for row in rng.sample(strata[name], quota[name])]
    rng.shuffle(picked)
    _write_jsonl(out, [_sheet_row(row, studies, seeds) for row in picked])
    print(
        f"wrote {len(picked)} records to {out}: "
        + ", ".join(f"{a}/{b} {n}" for (a, b), n in sorted(quota.items()))
    )


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


LABELS = DATA / "labels.jsonl"


def _record(row: dict[str, Any]) -> Record:
    """The record of a corpus row, as the runner stored it (prompt and template hash left out)."""
    return Record(
        id=row["record_id"],
        run_id=row["run_id"],
        stage=row["stage"],
        parents=row["parents"],
        example_ids=row["example_ids"],
        template_name=row["template_name"],
        template_hash="",
        prompt="",
        model_id=row["model_id"],
        params=row["params"],
        seed=row["seed"],
        attributes=row["attributes"],
        data=row["data"],
        raw_output=row["raw_output"],
        parse_status=row["parse_status"],
        parse_error=row.get("parse_error"),
    )


def _recipe_file(seed_set: str, name: str) -> dict[str, Any]:
    for path in _recipes(seed_set):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["name"] == name:
            return data
    raise SystemExit(f"no recipe {name!r} in {seed_set}")


def validate_corpus(
    rows: list[dict[str, Any]], filters: Path | None, tmp: Path
) -> tuple[dict[str, bool], dict[str, set[str]]]:
    """Validate the corpus as stored runs; per key, whether it is accepted and its failing rules."""
    from coalign.core import GenerationRun
    from coalign.store.runs import create_run, save_record
    from coalign.validation.report.kept import rejections
    from coalign.validation.service import validate_run

    accepted: dict[str, bool] = {}
    failing: dict[str, set[str]] = {}
    rejected: dict[str, set[str]] = {}
    run = len(list(tmp.glob("measure-*.db")))  # a fresh store per configuration and seed set
    for seed_set in SEED_SETS:
        mine = [r for r in rows if r["seed_set"] == seed_set]
        with open_store(str(tmp / f"measure-{seed_set}-{run}.db")) as store:
            bundle = import_study(store, DATA / seed_set / "study.yaml")
            for run_id in dict.fromkeys(r["run_id"] for r in mine):
                first = next(r for r in mine if r["run_id"] == run_id)
                create_run(
                    store,
                    GenerationRun(
                        id=run_id,
                        study_slug=bundle.study.slug,
                        recipe_name=first["recipe"],
                        recipe=_recipe_file(seed_set, first["recipe"]),
                        model_id=first["model_id"],
                        seed=0,
                        status="done",
                    ),
                )
                for row in mine:
                    if row["run_id"] == run_id:
                        save_record(store, _record(row))
                validate_run(store, run_id, filters_file=filters)
                # kept as exports and the report's kept rates take it (a response of a
                # rejected question is not kept)
                rejected.update(
                    {rid: rules for rid, (_, rules) in rejections(store, run_id).items()}
                )
        for row in mine:
            rid = row["record_id"]
            accepted[row["key"]] = row["parse_status"] == "ok" and rid not in rejected
            failing[row["key"]] = rejected.get(rid, set())
    return accepted, failing


SEED_STUDIES = (
    Path(__file__).resolve().parents[1] / "examples" / "bank-assistant" / "study.yaml",
    *(DATA / s / "study.yaml" for s in SEED_SETS),
)


def _seed_records(bundle: StudyBundle, run_id: str) -> list[Record]:
    """The study's seed questions and seed examples as question and response records."""
    kinds = {q.name: q.kind for q in bundle.study.question_types}
    out: list[Record] = []

    def add(stage: str, key: str, data: dict[str, Any], attributes: dict[str, Any]) -> None:
        out.append(
            Record(
                id=f"rec_{run_id}_{key}",
                run_id=run_id,
                stage=stage,
                template_name="seed",
                template_hash="",
                prompt="",
                model_id="people",
                params={},
                seed=0,
                attributes=attributes,
                data=data,
                raw_output=json.dumps(data),
            )
        )

    for q in bundle.seed_questions:
        text = re.sub(r"[{}]", "", q.text)
        kind = kinds.get(q.question_type)
        add(
            "questions",
            str(q.id),
            {"question": text},
            {"topic": q.topic, "question_type": q.question_type, "question_kind": kind},
        )
    for e in bundle.seed_examples:
        data = {
            "question": re.sub(r"[{}]", "", e.question),
            "misaligned_response": e.misaligned_response,
            "critique": e.critique,
            "aligned_response": e.aligned_response,
        }
        attributes = {
            "dimension": e.dimensions[0],
            "topic": e.topic,
            "question_type": e.question_type,
        }
        add("responses", str(e.id), data, attributes)
    return out


def seed_recall(filters: Path | None, tmp: Path) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Human-written seeds the filters accept (``seed_copy`` left out): per stage accepted and
    total, and how many seeds each rule rejected."""
    from coalign.core import GenerationRun
    from coalign.store.runs import create_run, save_record
    from coalign.store.verdicts import list_verdicts
    from coalign.validation.rules.config import DEFAULT_FILTERS
    from coalign.validation.service import validate_run

    entries = (
        yaml.safe_load(filters.read_text(encoding="utf-8")) if filters else list(DEFAULT_FILTERS)
    )
    kept = [f for f in entries if f.get("rule") != "seed_copy"]
    config = tmp / f"seed-recall-{len(list(tmp.iterdir()))}.yaml"
    config.write_text(yaml.safe_dump(kept), encoding="utf-8")
    accepted: Counter[str] = Counter()
    total: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for path in SEED_STUDIES:
        with open_store(
            str(tmp / f"seeds-{path.parent.name}-{len(list(tmp.iterdir()))}.db")
        ) as store:
            bundle = import_study(store, path)
            run_id = f"run_seeds_{path.parent.name[:20]}"
            create_run(
                store,
                GenerationRun(
                    id=run_id,
                    study_slug=bundle.study.slug,
                    recipe_name="seeds",
                    recipe={},
                    model_id="people",
                    seed=0,
                    status="done",
                ),
            )
            records = _seed_records(bundle, run_id)
            for r in records:
                save_record(store, r)
            validate_run(store, run_id, filters_file=config)
            failing: dict[str, set[str]] = {}
            for v in list_verdicts(store, run_id):
                if not v.passed:
                    failing.setdefault(v.record_id, set()).add(v.rule)
            for r in records:
                total[r.stage] += 1
                accepted[r.stage] += r.id not in failing
                rules.update(failing.get(r.id, set()))
    return accepted, total, rules


def _precision_recall(pairs: list[tuple[bool, bool]]) -> tuple[float | None, float | None, str]:
    """``pairs`` of (usable, accepted): precision, recall and a ``tp/acc, tp/usable`` note."""
    tp = sum(1 for u, a in pairs if u and a)
    acc = sum(1 for _, a in pairs if a)
    usable = sum(1 for u, _ in pairs if u)
    precision = tp / acc if acc else None
    recall = tp / usable if usable else None
    return precision, recall, f"{tp}/{acc} accepted usable, {tp}/{usable} usable accepted"


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def measure(labels_path: Path, filters: Path | None, compare: Path | None) -> bool:
    """Precision and recall of the accepted set against the hand labels; True if goals are met."""
    rows = [json.loads(line) for line in RECORDS.read_text(encoding="utf-8").splitlines()]
    labels = {
        (label := json.loads(line))["key"]: label
        for line in labels_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    by_key = {r["key"]: r for r in rows}
    unknown = sorted(set(labels) - set(by_key))
    if unknown:
        raise SystemExit(
            f"{len(unknown)} labelled keys are not in records.jsonl, e.g. {unknown[0]}"
        )
    configs = [("default filters" if filters is None else str(filters), filters)]
    if compare is not None:
        configs.append((str(compare), compare))
    results: list[tuple[float | None, float | None]] = []
    print(
        f"{len(labels)} labelled records of {len(rows)}; "
        f"{sum(1 for v in labels.values() if v['usable'])} usable by hand"
    )
    met = True
    with tempfile.TemporaryDirectory(prefix="coalign-measure-") as tmp:
        for name, path in configs:
            started = time.perf_counter()
            accepted, failing = validate_corpus(rows, path, Path(tmp))
            seconds = time.perf_counter() - started
            print(f"\n== {name} ({seconds:.0f} s to validate {len(rows)} records)")
            pairs = [(lab["usable"], accepted[k]) for k, lab in labels.items()]
            precision, recall, note = _precision_recall(pairs)
            results.append((precision, recall))
            print(f"all         precision {_fmt(precision)}   recall {_fmt(recall)}   ({note})")
            for stage in ("questions", "responses"):
                for seed_set in (None, *SEED_SETS):
                    part = [
                        (lab["usable"], accepted[k])
                        for k, lab in labels.items()
                        if by_key[k]["stage"] == stage
                        and (seed_set is None or by_key[k]["seed_set"] == seed_set)
                    ]
                    p, r, note = _precision_recall(part)
                    label = f"{stage}" + (f" / {seed_set}" if seed_set else "")
                    print(f"  {label:<42} precision {_fmt(p)}   recall {_fmt(r)}   ({note})")
            rules: dict[str, Counter[str]] = {}
            for k, lab in labels.items():
                for rule in failing.get(k, set()):
                    rules.setdefault(rule, Counter())[
                        "usable" if lab["usable"] else "unusable"
                    ] += 1
            print("  rejections of labelled records per rule (usable wrongly / unusable rightly):")
            for rule, c in sorted(rules.items(), key=lambda kv: -sum(kv[1].values())):
                print(f"    {rule:<28} {c['usable']:>3} / {c['unusable']:>3}")
            missed: Counter[str] = Counter()
            for k, lab in labels.items():
                if not lab["usable"] and accepted[k]:
                    missed.update(lab.get("problems") or ["(none given)"])
            print(
                "  unusable records accepted, by the labeller's problem class: "
                + (", ".join(f"{p} {n}" for p, n in missed.most_common()) or "none")
            )
            accepted_seeds, total, rules_seeds = seed_recall(path, Path(tmp))
            print(
                "  recall on human-written seeds of 3 studies: "
                + ", ".join(
                    f"{s} {accepted_seeds[s]}/{total[s]} ({accepted_seeds[s] / total[s]:.1%})"
                    for s in total
                )
                + "; rejected by: "
                + (", ".join(f"{r} {n}" for r, n in rules_seeds.most_common()) or "nothing")
            )
            if precision is None or recall is None or precision < 0.9 or recall < 0.8:
                met = False
    if len(results) == 2 and all(v is not None for pair in results for v in pair):
        (p0, r0), (p1, r1) = results
        print(
            f"\nratio {configs[1][0]} / {configs[0][0]}: precision {p1 / p0:.2f}x, recall {r1 / r0:.2f}x"
        )  # type: ignore[operator]
    print(f"\ngoal precision >= 0.9 and recall >= 0.8: {'met' if met else 'NOT met'}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    gen = steps.add_parser("generate", help="generate with the embedded model and dump records")
    gen.add_argument(
        "--limit",
        type=int,
        default=None,
        help="override every recipe's stage-1 limit (for a quick timing run)",
    )
    gen.add_argument("--only", nargs="*", help="run only these recipe names")
    gen.add_argument("--records", type=Path, default=RECORDS, help="where to write the records")
    lab = steps.add_parser("sheet", help="write the labeling sheet to_label.jsonl")
    lab.add_argument("--size", type=int, default=170)
    lab.add_argument("--seed", type=int, default=14)
    lab.add_argument("--records", type=Path, default=RECORDS, help="the records to sample from")
    lab.add_argument("--out", type=Path, default=SHEET, help="where to write the sheet")
    mea = steps.add_parser("measure", help="precision and recall against the hand labels")
    mea.add_argument("--labels", type=Path, default=LABELS, help="the hand labels (by key)")
    mea.add_argument("--filters", type=Path, default=None, help="a filter file (default: defaults)")
    mea.add_argument("--compare", type=Path, default=None, help="a second filter file to compare")
    args = parser.parse_args(argv)
    if args.step == "generate":
        generate(args.limit, args.only, args.records)
    elif args.step == "sheet":
        sheet(args.size, args.seed, args.records, args.out)
    else:
        measure(args.labels, args.filters, args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
