"""Plots shared by reports: side-by-side shares, two-ring sunbursts, overlaid histograms.

Every function takes plain counts and returns a matplotlib figure for
:meth:`coalign.pages.page.Section.figure`; none of them knows where the numbers came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coalign.pages.page import use_headless_backend

PALETTE = (
    "#3b6ea8",
    "#e0883a",
    "#5a9e5a",
    "#b54a4a",
    "#8a6bb0",
    "#a0785a",
    "#d07fb5",
    "#7f7f7f",
    "#b8b83a",
    "#3ab0b8",
)


def _plt() -> Any:
    use_headless_backend()
    import matplotlib.pyplot as plt

    return plt


def _shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: (v / total if total else 0.0) for k, v in counts.items()}


def compare_shares(
    sides: Mapping[str, Mapping[str, int]],
    title: str,
    *,
    max_labels: int = 25,
    labels: Sequence[str] | None = None,
) -> Any:
    """Horizontal bars of each label's share on every side (e.g. seeds vs synthetic).

    Args:
        sides: ``{side name: {label: count}}``.
        title: the figure title.
        max_labels: labels shown, by their largest share on any side.
        labels: a fixed label order (default: by share).
    """
    plt = _plt()
    shares = {name: _shares(c) for name, c in sides.items()}
    if labels is None:
        every = {label for s in shares.values() for label in s}
        labels = sorted(every, key=lambda k: (-max(s.get(k, 0.0) for s in shares.values()), k))[
            :max_labels
        ]
    labels = list(labels)[::-1]
    height = 0.8 / max(len(shares), 1)
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(labels) * max(len(shares), 1) + 1.2))
    for i, (name, s) in enumerate(shares.items()):
        ys = [j + i * height for j in range(len(labels))]
        ax.barh(
            ys,
            [s.get(k, 0.0) for k in labels],
            height=height,
            label=name,
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_yticks([j + height * (len(shares) - 1) / 2 for j in range(len(labels))])
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("share")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def sunburst(rings: Sequence[Mapping[str, Any]], title: str) -> Any:
    """A two-ring sunburst: verbs inside, each verb's nouns outside.

    Args:
        rings: entries ``{"verb", "count", "nouns": [{"noun", "count"}], "other"}`` as made by
            :func:`coalign.validation.metrics.verbnoun.sunburst`.
        title: the figure title.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 6))
    if not rings:
        ax.text(0.5, 0.5, "no verb–noun pairs", ha="center", va="center")
        ax.axis("off")
        ax.set_title(title, fontsize=10)
        return fig
    inner_sizes, inner_labels, inner_colors = [], [], []
    outer_sizes, outer_labels, outer_colors = [], [], []
    total = sum(r["count"] for r in rings)
    for i, ring in enumerate(rings):
        color = PALETTE[i % len(PALETTE)]
        inner_sizes.append(ring["count"])
        inner_labels.append(ring["verb"] if ring["count"] / total >= 0.03 else "")
        inner_colors.append(color)
        for noun in ring["nouns"]:
            outer_sizes.append(noun["count"])
            outer_labels.append(noun["noun"] if noun["count"] / total >= 0.02 else "")
            outer_colors.append(color)
        if ring.get("other"):
            outer_sizes.append(ring["other"])
            outer_labels.append("")
            outer_colors.append("#dddddd")
    wedge = {"linewidth": 0.6, "edgecolor": "white"}
    ax.pie(
        inner_sizes,
        radius=0.62,
        labels=inner_labels,
        labeldistance=0.55,
        colors=inner_colors,
        wedgeprops={**wedge, "width": 0.32},
        textprops={"fontsize": 7, "color": "white"},
        startangle=90,
        counterclock=False,
    )
    ax.pie(
        outer_sizes,
        radius=1.0,
        labels=outer_labels,
        labeldistance=1.04,
        colors=outer_colors,
        wedgeprops={**wedge, "width": 0.36, "alpha": 0.75},
        textprops={"fontsize": 7},
        startangle=90,
        counterclock=False,
    )
    ax.set(aspect="equal")
    ax.set_title(title, fontsize=10)
    return fig


def compare_histograms(
    sides: Mapping[str, Mapping[int, int]], bin_width: int, title: str, xlabel: str
) -> Any:
    """Overlaid histograms of shares per bin (keys are bins' lower edges)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    for i, (name, hist) in enumerate(sides.items()):
        total = sum(hist.values()) or 1
        edges = sorted(hist)
        ax.bar(
            [e + bin_width / 2 for e in edges],
            [hist[e] / total for e in edges],
            width=bin_width * 0.92,
            alpha=0.55,
            label=name,
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
