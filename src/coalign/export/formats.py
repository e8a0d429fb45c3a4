"""Training formats: what one exported row looks like, and how it is built.

============  ===========================================  ==========================================
format        columns                                      read by
============  ===========================================  ==========================================
mitigator     prompt, misaligned_response, critique,       post-hoc mitigator / aligner models
              aligned_response, dimensions + lineage
sft           messages                                     TRL ``SFTTrainer`` (conversational)
dpo           prompt, chosen, rejected                     TRL ``DPOTrainer`` (conversational preference)
kto           prompt, completion, label                    TRL ``KTOTrainer`` (conversational unpaired preference)
attributes    prompt, response, condition, per dimension   SteerLM / HelpSteer-style attribute-conditioned
              score, mean, count, distribution             training
annotators    one row per rating: item, annotator,         disagreement-aware training and analysis
              dimension, value, context, display_language,
              answer_<question> (+ demographics, admins)
============  ===========================================  ==========================================

The TRL formats hold exactly the columns TRL reads; which records, items and group each row
came from is written beside them (``provenance/<format>.jsonl``). Chat prompts carry the
study's system prompt, and, for rows that hold one group's preference, a second system line
naming the group: the group is a *condition* of the row, never silently merged away.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coalign.core.items import Item
from coalign.export.aggregate import AggregationChoice, ItemScore, RatingSet
from coalign.export.pairs import Label, Pair
from coalign.export.triples import Triple

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Row = dict[str, Any]
Provenance = dict[str, Any]


@dataclass(frozen=True)
class ExportFormat:
    """One output format.

    Attributes:
        from_records: can be built from a run's generated triples without ratings.
        from_ratings: can be built from ratings (needs an aggregation, except ``annotators``).
        trl: the TRL trainer that reads it, if any; such formats keep exactly TRL's columns.
    """

    name: str
    description: str
    from_records: bool
    from_ratings: bool
    trl: str | None = None


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "mitigator",
            "prompt, misaligned response, critique, aligned response, dimensions",
            True,
            False,
        ),
        ExportFormat(
            "sft", "chat messages ending in the aligned response", True, False, "SFTTrainer"
        ),
        ExportFormat("dpo", "prompt / chosen / rejected", True, True, "DPOTrainer"),
        ExportFormat("kto", "prompt / completion / label", True, True, "KTOTrainer"),
        ExportFormat(
            "attributes",
            "per-dimension score, mean, count and distribution per response",
            False,
            True,
        ),
        ExportFormat(
            "annotators",
            "one row per rating with its annotator, the item's context, the language it was "
            "rated in and the annotator's answers to the item's questions (answer_<question>)",
            False,
            True,
        ),
    )
}


def uses_ratings(name: str, choice: AggregationChoice) -> bool:
    """True when format ``name`` is built from ratings under ``choice``."""
    spec = FORMATS[name]
    return not spec.from_records or (spec.from_ratings and choice.strategy != "none")


def row_source(name: str, choice: AggregationChoice) -> str:
    """What the rows of format ``name`` were built from under ``choice``, as the card says it."""
    if name == "annotators":
        return "one row per rating: each rater's own value on one dimension, not aggregated"
    if uses_ratings(name, choice):
        return f"built from the ratings, aggregated by the strategy {choice.strategy}"
    return "the accepted generated triples as they are; no rating was used"


def _messages_type() -> pa.DataType:
    import pyarrow as pa

    return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def schema(name: str, dimensions: Sequence[str] = (), columns: Sequence[str] = ()) -> pa.Schema:
    """The Arrow schema of format ``name`` (attributes and annotators depend on the ratings).

    Args:
        dimensions: the value dimensions of ``attributes`` rows.
        columns: the text columns that ``annotators`` rows carry after ``value``.
    """
    import pyarrow as pa

    chat = _messages_type()
    s = pa.string()
    if name == "mitigator":
        return pa.schema(
            [
                ("id", s),
                ("prompt", s),
                ("misaligned_response", s),
                ("critique", s),
                ("aligned_response", s),
                ("dimensions", pa.list_(s)),
                ("topic", s),
                ("question_type", s),
                ("persona", s),
                ("run_id", s),
                ("model_id", s),
                ("template_hash", s),
            ]
        )
    if name == "sft":
        return pa.schema([("messages", chat)])
    if name == "dpo":
        return pa.schema([("prompt", chat), ("chosen", chat), ("rejected", chat)])
    if name == "kto":
        return pa.schema([("prompt", chat), ("completion", chat), ("label", pa.bool_())])
    if name == "attributes":
        minority = pa.list_(
            pa.struct(
                [
                    ("group", s),
                    ("dimension", s),
                    ("value", pa.float64()),
                    ("overall", pa.float64()),
                    ("raters", pa.int64()),
                ]
            )
        )
        fields = [
            ("item_id", s),
            ("prompt", s),
            ("response", s),
            ("condition", s),
            ("raters", pa.int64()),
        ]
        for dim in dimensions:
            fields += [
                (dim, pa.float64()),
                (f"{dim}_mean", pa.float64()),
                (f"{dim}_count", pa.int64()),
                (f"{dim}_distribution", pa.list_(pa.float64())),
            ]
        return pa.schema([*fields, ("minority_views", minority)])
    if name == "annotators":
        return pa.schema(
            [
                ("item_id", s),
                ("prompt", s),
                ("response", s),
                ("annotator", s),
                ("dimension", s),
                ("value", pa.int64()),
                *[(c, s) for c in columns],
            ]
        )
    raise KeyError(name)


def chat_prompt(
    question: str, system: str | None, condition: str | None = None
) -> list[dict[str, str]]:
    """The prompt turns: the study's system prompt, the group condition if any, the user's question."""
    turns = [{"role": "system", "content": system}] if system else []
    if condition:
        turns.append({"role": "system", "content": f"Rater group: {condition}"})
    return [*turns, {"role": "user", "content": question}]


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def triple_rows(name: str, triple: Triple, system: str | None) -> Iterator[tuple[Row, Provenance]]:
    """Rows of format ``name`` from one generated triple (DPO: aligned chosen, misaligned rejected)."""
    record, data = triple.record, triple.record.data
    prov = {"record_id": record.id, "run_id": record.run_id, "model_id": record.model_id}
    prompt = chat_prompt(triple.question, system)
    if name == "mitigator":
        attrs = record.attributes
        yield (
            {
                "id": record.id,
                "prompt": triple.question,
                "misaligned_response": data["misaligned_response"],
                "critique": data["critique"],
                "aligned_response": data["aligned_response"],
                "dimensions": triple.dimensions,
                "topic": attrs.get("topic"),
                "question_type": attrs.get("question_type"),
                "persona": attrs.get("persona"),
                "run_id": record.run_id,
                "model_id": record.model_id,
                "template_hash": record.template_hash,
            },
            prov,
        )
    elif name == "sft":
        yield {"messages": prompt + _assistant(data["aligned_response"])}, prov
    elif name == "dpo":
        yield (
            {
                "prompt": prompt,
                "chosen": _assistant(data["aligned_response"]),
                "rejected": _assistant(data["misaligned_response"]),
            },
            prov,
        )
    elif name == "kto":
        yield (
            {"prompt": prompt, "completion": _assistant(data["aligned_response"]), "label": True},
            prov,
        )
        yield (
            {
                "prompt": prompt,
                "completion": _assistant(data["misaligned_response"]),
                "label": False,
            },
            prov,
        )
    else:
        raise KeyError(name)


def pair_rows(
    pairs: Sequence[Pair], items: Mapping[str, Item], system: str | None
) -> Iterator[tuple[Row, Provenance]]:
    """DPO rows from rating-based preference pairs."""
    for pair in pairs:
        chosen, rejected = (
            items[pair.chosen.item_id].response,
            items[pair.rejected.item_id].response,
        )
        yield (
            {
                "prompt": chat_prompt(pair.prompt, system, pair.condition),
                "chosen": _assistant(chosen),
                "rejected": _assistant(rejected),
            },
            {
                "chosen_item": pair.chosen.item_id,
                "rejected_item": pair.rejected.item_id,
                "condition": pair.condition,
                "margin": pair.margin,
            },
        )


def label_rows(
    labels: Sequence[Label], items: Mapping[str, Item], system: str | None
) -> Iterator[tuple[Row, Provenance]]:
    """KTO rows from rating-based good/bad labels."""
    for label in labels:
        item = items[label.score.item_id]
        yield (
            {
                "prompt": chat_prompt(item.prompt, system, label.score.condition),
                "completion": _assistant(item.response),
                "label": label.good,
            },
            {"item": item.id, "condition": label.score.condition, "score": label.value},
        )


def attribute_rows(
    scores: Sequence[ItemScore],
    items: Mapping[str, Item],
    dimensions: Sequence[str],
    keep_agreeing_groups: bool,
) -> Iterator[tuple[Row, Provenance]]:
    """Attribute-conditioned rows; under minority-preserving, agreeing groups add no row."""
    for score in scores:
        if score.condition and not keep_agreeing_groups and not score.minority:
            continue
        item = items[score.item_id]
        row: Row = {
            "item_id": item.id,
            "prompt": item.prompt,
            "response": item.response,
            "condition": score.condition,
            "raters": score.raters,
        }
        for dim in dimensions:
            row[dim] = score.scores.get(dim)
            row[f"{dim}_mean"] = score.means.get(dim)
            row[f"{dim}_count"] = score.counts.get(dim, 0)
            row[f"{dim}_distribution"] = score.distributions.get(dim)
        row["minority_views"] = [view.model_dump() for view in score.minority]
        yield row, {"item": item.id, "condition": score.condition}


def annotator_rows(
    ratings: RatingSet, items: Mapping[str, Item], extra: Sequence[str]
) -> Iterator[tuple[Row, Provenance]]:
    """One row per rating, with the text columns that ``extra`` names (item and rating details,
    demographics), as strings or ``None``."""
    frame: pd.DataFrame = ratings.frame
    columns = ["item", "rater", "dimension", "value", *extra]
    for values in frame[columns].itertuples(index=False, name=None):
        item = items[values[0]]
        row: Row = {
            "item_id": item.id,
            "prompt": item.prompt,
            "response": item.response,
            "annotator": values[1],
            "dimension": values[2],
            "value": int(values[3]),
        }
        for column, answer in zip(extra, values[4:], strict=True):
            row[column] = None if answer is None or answer != answer else str(answer)
        yield row, {"item": item.id}
