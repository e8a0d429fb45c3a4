"""Per-item disagreement, and who disagrees on the items that split people most.

For each (item, dimension): the number of ratings, mean, variance, the entropy
of the rating distribution (0 = unanimous, 1 = spread evenly over the scale)
and the share of rater pairs on opposite ends of the scale (one in the bottom
``end_width`` levels, the other in the top ones — an "extreme split").
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def item_disagreement(frame: pd.DataFrame, end_width: int = 2) -> pd.DataFrame:
    """Disagreement statistics per (dimension, item).

    Args:
        frame: long-format ratings.
        end_width: how many levels at each end of the scale count as an extreme.

    Returns:
        Columns ``dimension, item, n, mean, variance, entropy, extreme_split``.
    """
    parts = []
    for dimension, sub in frame.groupby("dimension", sort=True):
        levels = sorted(sub["value"].unique().tolist())
        counts = pd.crosstab(sub["item"], sub["value"]).reindex(columns=levels, fill_value=0)
        c = counts.to_numpy(dtype=float)
        n = c.sum(axis=1)
        share = c / n[:, None]
        vals = np.asarray(levels, dtype=float)
        mean = share @ vals
        var = (c @ vals**2 - n * mean**2) / np.maximum(n - 1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = -np.nansum(np.where(share > 0, share * np.log(share), 0.0), axis=1)
        ent = ent / np.log(len(levels)) if len(levels) > 1 else np.zeros_like(ent)
        width = min(end_width, len(levels) // 2)
        low = c[:, :width].sum(axis=1) if width else np.zeros_like(n)
        high = c[:, len(levels) - width :].sum(axis=1) if width else np.zeros_like(n)
        pairs = n * (n - 1) / 2
        split = np.divide(low * high, pairs, out=np.zeros_like(n), where=pairs > 0)
        parts.append(
            pd.DataFrame(
                {
                    "dimension": dimension,
                    "item": counts.index.astype(str),
                    "n": n.astype(int),
                    "mean": mean,
                    "variance": np.where(n > 1, var, np.nan),
                    "entropy": ent,
                    "extreme_split": split,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def most_disagreed(
    frame: pd.DataFrame,
    groups: list[str],
    top: int = 10,
    min_ratings: int = 3,
    by: str = "entropy",
    hidden: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The items people disagree on most per dimension, with who rates them high and low.

    For each such item and each demographic column, the groups' mean ratings
    are compared; ``who`` names the column with the widest gap between its
    highest- and lowest-rating groups (e.g. ``"political: liberal 4.3 vs
    conservative 2.1"``).

    Args:
        frame: long-format ratings.
        groups: demographic columns to look at.
        top: items per dimension.
        min_ratings: ignore items with fewer ratings.
        by: ranking column of :func:`item_disagreement`.
        hidden: per column, groups left out of the comparison (too few raters to show).
    """
    hidden = hidden or {}
    stats = item_disagreement(frame)
    stats = stats[stats.n >= min_ratings]
    chosen = (
        stats.sort_values(["dimension", by], ascending=[True, False]).groupby("dimension").head(top)
    )
    rows = []
    for rec in chosen.itertuples(index=False):
        sub = frame[(frame.dimension == rec.dimension) & (frame["item"].astype(str) == rec.item)]
        best = None
        for col in groups:
            means = sub.groupby(sub[col].astype("string").fillna("(missing)"))["value"].agg(
                ["mean", "size"]
            )
            means = means.drop(index=hidden.get(col, []), errors="ignore")
            if len(means) < 2:
                continue
            # The groups are labelled by the column's values as strings (missing ones included).
            group_mean, group_size = means["mean"], means["size"]
            hi, lo = str(group_mean.idxmax()), str(group_mean.idxmin())
            gap = float(group_mean.loc[hi] - group_mean.loc[lo])
            if best is None or gap > best[0]:
                best = (
                    gap,
                    (
                        f"{col}: {hi} {group_mean.loc[hi]:.1f} (n={group_size.loc[hi]}) vs "
                        f"{lo} {group_mean.loc[lo]:.1f} (n={group_size.loc[lo]})"
                    ),
                )
        rows.append(
            {
                # The columns of item_disagreement are identifiers, so these are rec._asdict().
                **dict(zip(chosen.columns, rec, strict=True)),
                "group_gap": best[0] if best else np.nan,
                "who": best[1] if best else "",
            }
        )
    return pd.DataFrame(rows)
