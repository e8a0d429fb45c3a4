"""Cost of the label map's layout and suggested clusters, against embedding the same codes.

Embeds ``--codes`` synthetic codes with the bundled MiniLM (the reference: a label map must embed
every code anyway), then times the PCA layout and the agglomerative suggestions on those vectors,
and on ``--large`` vectors (the codes repeated with small noise) where clustering runs on a seeded
sample of 4000 and assigns the rest to the nearest centre. Prints seconds, the ratio to the
embedding time, and the peak RSS of the process.

Usage: ``python benchmarks/bench_labelmap.py [--codes 1000] [--large 12000]``
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from coalign.coconstruct.labelmap import MAX_CLUSTERED, project, suggest_clusters
from coalign.validation.metrics.embeddings import MiniLMEmbedder

QUALITIES = [
    "rude",
    "polite",
    "vague",
    "precise",
    "unsafe",
    "careful",
    "biased",
    "fair",
    "slow",
    "helpful",
]
ASPECTS = [
    "tone",
    "advice",
    "wording",
    "answer",
    "security tip",
    "explanation",
    "refusal",
    "example",
]
HEDGES = ["", "a bit ", "very ", "too ", "not ", "overly "]


def codes(n: int) -> list[str]:
    """``n`` distinct short codes such as participants write (quality × aspect × hedge)."""
    out = []
    for i in range(n):
        q, a, h = QUALITIES[i % 10], ASPECTS[(i // 10) % 8], HEDGES[(i // 80) % 6]
        out.append(f"{h}{q} {a}" + (f" #{i // 480}" if i >= 480 else ""))
    return out


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=1000)
    parser.add_argument("--large", type=int, default=12000)
    args = parser.parse_args()

    embedder = MiniLMEmbedder()
    embedder.encode(["warm-up"])
    vectors, embed_s = timed(embedder.encode, codes(args.codes))
    (_, pca_s), (groups, cluster_s) = timed(project, vectors), timed(suggest_clusters, vectors)
    print(
        f"{args.codes} codes: embed {embed_s:.2f} s (reference) | PCA {pca_s:.3f} s "
        f"(ratio {pca_s / embed_s:.3f}) | clusters {cluster_s:.3f} s (ratio {cluster_s / embed_s:.3f}), "
        f"{max(groups) + 1} suggested"
    )

    rng = np.random.default_rng(0)
    large = np.resize(vectors, (args.large, vectors.shape[1])) + rng.normal(
        0, 0.02, (args.large, vectors.shape[1])
    )
    large = (large / np.linalg.norm(large, axis=1, keepdims=True)).astype(np.float32)
    (_, pca_l), (groups_l, cluster_l) = timed(project, large), timed(suggest_clusters, large)
    sampled = "sampled" if args.large > MAX_CLUSTERED else "all"
    print(
        f"{args.large} vectors ({sampled}, limit {MAX_CLUSTERED}): PCA {pca_l:.3f} s | clusters {cluster_l:.2f} s "
        f"(ratio to embedding {args.codes} codes {cluster_l / embed_s:.2f}), {max(groups_l) + 1} suggested"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
