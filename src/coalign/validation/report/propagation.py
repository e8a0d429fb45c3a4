"""Do seed patterns propagate to synthetic data? Side-by-side distributions with a divergence each.

Each compared distribution gets the Jensen–Shannon divergence (base 2: 0 = identical,
1 = nothing in common) between the seed side and the synthetic side.
"""

from __future__ import annotations

from pydantic import BaseModel

from coalign.validation.metrics.distributions import jensen_shannon
from coalign.validation.metrics.profile import QuestionProfile


class DistributionComparison(BaseModel):
    """One distribution on both sides and its divergence (``None`` when one side is empty)."""

    name: str
    seeds: dict[str, int]
    synthetic: dict[str, int]
    jensen_shannon: float | None


class PropagationFigures(BaseModel):
    """Every comparison, plus scalar diversity figures of both sides."""

    comparisons: list[DistributionComparison]
    scalars: dict[str, dict[str, float | None]]


def compare(name: str, seeds: dict[str, int], synthetic: dict[str, int]) -> DistributionComparison:
    """Compare one pair of label counts."""
    js = (
        jensen_shannon(seeds, synthetic)
        if sum(seeds.values()) and sum(synthetic.values())
        else None
    )
    return DistributionComparison(name=name, seeds=seeds, synthetic=synthetic, jensen_shannon=js)


def _top(counts: dict[str, int], keep: int) -> dict[str, int]:
    """The ``keep`` most common labels and the rest summed under ``(other)``."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    out = dict(ranked[:keep])
    rest = sum(c for _, c in ranked[keep:])
    if rest:
        out["(other)"] = rest
    return out


def compare_question_profiles(
    seeds: QuestionProfile, synthetic: QuestionProfile, top_verbs: int = 25
) -> PropagationFigures:
    """Format, kind, topic, type, root-verb and length distributions of seeds vs synthetic questions.

    Root verbs are compared over the union of both sides' top verbs, the rest pooled as
    ``(other)``, so a long tail does not dominate the divergence.
    """
    comparisons = [
        compare("format", seeds.formats, synthetic.formats),
        compare("kind", seeds.kinds, synthetic.kinds),
        compare("topic", seeds.topics, synthetic.topics),
        compare("question_type", seeds.question_types, synthetic.question_types),
        compare("length", seeds.length_bins, synthetic.length_bins),
    ]
    if seeds.verbs and synthetic.verbs:
        keep = set(_top(seeds.verbs, top_verbs)) | set(_top(synthetic.verbs, top_verbs))
        keep.discard("(other)")

        def pooled(counts: dict[str, int]) -> dict[str, int]:
            out = {k: counts.get(k, 0) for k in sorted(keep)}
            out["(other)"] = sum(c for k, c in counts.items() if k not in keep)
            return out

        comparisons.append(compare("root_verb", pooled(seeds.verbs), pooled(synthetic.verbs)))

    def scalars(p: QuestionProfile) -> dict[str, float | None]:
        return {
            "n": float(p.n),
            "distinct_1": p.lexical.get("distinct_1"),
            "distinct_2": p.lexical.get("distinct_2"),
            "compression_ratio": p.lexical.get("compression_ratio"),
            "mean_pairwise_cosine": p.semantic["mean_pairwise_cosine"] if p.semantic else None,
            "verb_noun_repetition_rate": p.verb_noun.repetition_rate if p.verb_noun else None,
            "distinct_verbs": float(p.verb_noun.distinct_verbs) if p.verb_noun else None,
            "distinct_pairs": float(p.verb_noun.distinct_pairs) if p.verb_noun else None,
            "mean_length": p.length.mean,
            "near_duplicate_share": p.near_duplicates["share"] if p.near_duplicates else None,
        }

    return PropagationFigures(
        comparisons=comparisons, scalars={"seeds": scalars(seeds), "synthetic": scalars(synthetic)}
    )
