"""Seed dominance: a few seeds, one persona or one entity value taking over a run's content.

Study 002 saw a dish named in one seed turn up in most generated examples. A seed's share of the
prompts is how often it was shown in-context; its share of the content is how often its
distinctive words come back in the outputs. A *distinctive* word of a seed is a content word
(4 letters or more, not a stop word) that no other seed uses and that the study's design (title,
context, system prompt, topics, question types, dimensions) does not use either — words the task
itself asks for are expected everywhere. The same comparison covers the values of a run's
conditions: an entity value (``{country}`` → ``Kenya``) and a persona or intervention (its text's
distinctive words).

A source *dominates* a stage when its word is in at least ``min_share`` of the stage's outputs and
that is at least ``min_ratio`` times its share of the prompts: defaults 10% and 3×.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from coalign.core import Record, Study
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.validation.rules.registry import RESPONSE_FIELDS

_WORD = re.compile(r"[a-zà-ÿ]{4,}")
_SLOT = re.compile(r"\{[^}]*\}")
# A short list is enough: a stop word is only ever a false lead, never a miss.
_STOP = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "also",
        "among",
        "another",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "from",
        "further",
        "have",
        "having",
        "here",
        "into",
        "itself",
        "just",
        "more",
        "most",
        "much",
        "must",
        "myself",
        "only",
        "other",
        "ought",
        "over",
        "same",
        "shall",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "whom",
        "whose",
        "will",
        "with",
        "would",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "make",
        "need",
        "want",
        "like",
        "know",
        "tell",
        "help",
        "please",
        "thanks",
        "thank",
        "really",
        "good",
        "well",
        "able",
    ]
)

SourceKind = Literal["seed", "entity", "persona", "intervention"]


class Dominance(BaseModel):
    """One source's share of the prompts against its share of the content, in one stage."""

    stage: str
    kind: SourceKind
    source: str
    word: str
    prompt_share: float
    output_share: float
    ratio: float
    dominates: bool


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(_SLOT.sub(" ", text.lower())) if w not in _STOP}


def _output_text(record: Record) -> str:
    fields = ("question",) if record.stage == "questions" else RESPONSE_FIELDS
    return " ".join(str(record.data.get(f, "")) for f in fields)


def design_words(study: Study) -> set[str]:
    """Every content word of the study's design: words the task asks for are not a seed's."""
    parts: list[str] = [
        study.title,
        study.description,
        study.deployment_context,
        study.system_prompt,
    ]
    parts += [f"{t.name.replace('-', ' ')} {t.description}" for t in study.topics]
    parts += [
        f"{q.name.replace('-', ' ')} {q.description} {q.example}" for q in study.question_types
    ]
    parts += [f"{d.name} {d.definition}" for d in study.dimensions]
    return set().union(*(_words(p) for p in parts))


def _seed_texts(
    seed_questions: Sequence[SeedQuestion], seed_examples: Sequence[SeedExample]
) -> dict[str, str]:
    texts = {str(s.id): s.text for s in seed_questions if s.id}
    for e in seed_examples:
        if e.id:
            texts[str(e.id)] = " ".join(
                (e.question, e.misaligned_response, e.critique, e.aligned_response)
            )
    return texts


def distinctive_words(texts: Mapping[str, str], common: set[str]) -> dict[str, set[str]]:
    """Per source, its content words that no other source and nothing in ``common`` uses."""
    words = {key: _words(text) for key, text in texts.items()}
    counts = Counter(w for ws in words.values() for w in ws)
    return {key: {w for w in ws if counts[w] == 1 and w not in common} for key, ws in words.items()}


def _measure(
    stage: str,
    kind: SourceKind,
    source: str,
    words: Iterable[str],
    shown: int,
    outputs: Sequence[set[str]],
    min_share: float,
    min_ratio: float,
) -> Dominance | None:
    n = len(outputs)
    best = max(((sum(1 for o in outputs if w in o), w) for w in words), default=(0, ""))
    if best[0] == 0 or n == 0:
        return None
    prompt_share, output_share = shown / n, best[0] / n
    ratio = output_share / max(prompt_share, 1 / n)
    return Dominance(
        stage=stage,
        kind=kind,
        source=source,
        word=best[1],
        prompt_share=round(prompt_share, 4),
        output_share=round(output_share, 4),
        ratio=round(ratio, 2),
        dominates=output_share >= min_share and ratio >= min_ratio,
    )


def _condition_texts(recipe: Mapping[str, Any], key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for stage in (recipe.get("stages") or {}).values():
        for item in (stage or {}).get(key) or []:
            if isinstance(item, dict) and "name" in item:
                out[str(item["name"])] = str(item.get("text", ""))
    return out


def seed_dominance(
    records: Sequence[Record],
    study: Study,
    seed_questions: Sequence[SeedQuestion],
    seed_examples: Sequence[SeedExample],
    *,
    recipe: Mapping[str, Any] | None = None,
    min_share: float = 0.1,
    min_ratio: float = 3.0,
) -> list[Dominance]:
    """Every seed, entity value, persona and intervention whose words come back in a stage's
    outputs, dominating ones first, then by ratio.

    Args:
        records: the run's parsed records.
        recipe: the run's recipe (for the persona and intervention texts).
    """
    common = design_words(study)
    seeds = _seed_texts(seed_questions, seed_examples)
    seed_words = distinctive_words(seeds, common)
    personas = _condition_texts(recipe or {}, "personas")
    interventions = _condition_texts(recipe or {}, "interventions")
    condition_words = distinctive_words(
        {f"persona:{k}": v for k, v in personas.items()}
        | {f"intervention:{k}": v for k, v in interventions.items()},
        common | set().union(set(), *(_words(t) for t in seeds.values())),
    )
    found: list[Dominance] = []
    for stage in sorted({r.stage for r in records}):
        mine = [r for r in records if r.stage == stage and r.parse_status == "ok"]
        outputs = [_words(_output_text(r)) for r in mine]
        shown = Counter(i for r in mine for i in set(r.example_ids))
        for seed_id, words in seed_words.items():
            if words and shown[seed_id]:
                d = _measure(
                    stage, "seed", seed_id, words, shown[seed_id], outputs, min_share, min_ratio
                )
                found += [d] if d else []
        values = Counter(
            str(v).lower() for r in mine for v in set((r.attributes.get("entities") or {}).values())
        )
        for value, count in values.items():
            value_words = _words(value) - common
            if value_words:
                d = _measure(
                    stage, "entity", value, value_words, count, outputs, min_share, min_ratio
                )
                found += [d] if d else []
        for kind in ("persona", "intervention"):
            used = Counter(str(r.attributes[kind]) for r in mine if r.attributes.get(kind))
            for name, count in used.items():
                words = condition_words.get(f"{kind}:{name}", set())
                d = _measure(stage, kind, name, words, count, outputs, min_share, min_ratio)
                found += [d] if d else []
    return sorted(found, key=lambda d: (not d.dominates, -d.ratio, d.stage, d.source))
