"""Near-duplicate clusters: MinHash LSH finds lexically close candidates, embeddings confirm them.

How a pair of texts becomes a near-duplicate:

1. Texts are normalised (lower case, punctuation dropped, whitespace collapsed); texts that
   are equal after that are duplicates outright.
2. Each distinct normalised text becomes a set of character ``shingle``-grams and a MinHash
   signature (datasketch, CRC-32 as the element hash); a MinHash LSH index with
   ``lsh_threshold`` returns candidate pairs; those whose signature-estimated Jaccard is
   below ``lsh_threshold`` are dropped at once.
3. A candidate is dropped when its estimated Jaccard is below ``jaccard`` and kept at once when
   it is ≥ ``jaccard_alone`` (wording this close needs no embedding; a typo also moves a MiniLM
   embedding surprisingly far). Between the two, an embedder decides (cosine ≥ ``cosine``:
   lexically close texts that mean different things are told apart); without one, the pair is
   kept. Only the texts of those in-between pairs are embedded, so the embedding cost follows
   them, not the size of the set.
4. Clusters are the connected components of the kept pairs; each lists its members in input
   order, and the first member is the one a keep-one filter keeps.

The defaults were chosen on ``benchmarks/bench_validate.py``'s planted near-duplicates (typos,
filler words, reworded openers, case and punctuation) against siblings that share a template
but differ in verb, object or time: a cosine of 0.9 merged too many of those siblings, and
character Jaccard of 0.75 already holds every small edit of a sentence-long question.

The last few results are remembered (keyed by the texts, the settings and the embedder's
name), so a validation and a report over the same run in one process cluster once.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from coalign.core.errors import InputError
from coalign.validation.metrics.embeddings import Embedder
from coalign.validation.metrics.loaders import require

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


class DuplicateSettings(BaseModel):
    """Thresholds of near-duplicate detection (see the module doc for how they combine)."""

    lsh_threshold: float = Field(0.55, gt=0.0, lt=1.0)
    jaccard: float = Field(0.65, gt=0.0, le=1.0)
    jaccard_alone: float = Field(0.75, gt=0.0, le=1.0)
    cosine: float = Field(0.95, gt=0.0, le=1.0)
    num_perm: int = Field(128, ge=16, le=1024)
    shingle: int = Field(4, ge=1, le=20)
    seed: int = 1


class DuplicateResult(BaseModel):
    """Clusters (lists of input indices, first = kept) and how much work it took."""

    clusters: list[list[int]]
    candidate_pairs: int
    confirmed_pairs: int
    lsh_hits: int = 0
    embedded_texts: int

    def duplicates(self) -> set[int]:
        """Indices that are near-duplicates of an earlier text (all members but the first)."""
        return {i for cluster in self.clusters for i in cluster[1:]}


def normalise(text: str) -> str:
    """Lower-case ``text``, drop punctuation and collapse whitespace."""
    return _SPACE.sub(" ", _NON_WORD.sub(" ", text.lower())).strip()


def shingles(text: str, size: int) -> set[bytes]:
    """Character ``size``-grams of an already normalised text, as bytes (the whole text if shorter)."""
    if len(text) <= size:
        return {text.encode("utf-8")}
    return {text[i : i + size].encode("utf-8") for i in range(len(text) - size + 1)}


def _crc32(value: bytes) -> int:
    return zlib.crc32(value)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _candidate_pairs(
    keys: list[str], settings: DuplicateSettings
) -> tuple[list[tuple[int, int]], Any, int]:
    """LSH candidates whose estimated Jaccard is at least ``lsh_threshold``.

    Candidates are checked against the signatures as each text is queried, so memory follows
    the pairs kept, not the (on templated text, much larger) number of raw LSH hits.

    Returns:
        kept pairs ``(i, j)`` with ``i < j``, the signature matrix, and the raw hit count.
    """
    datasketch = require("datasketch")
    np = require("numpy")
    sets = [shingles(k, settings.shingle) for k in keys]
    signatures = np.empty((len(keys), settings.num_perm), dtype=np.uint32)
    lsh = datasketch.MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
    generator = datasketch.MinHash.generator(
        sets, num_perm=settings.num_perm, seed=settings.seed, hashfunc=_crc32
    )
    with lsh.insertion_session() as session:
        for i, minhash in enumerate(generator):
            signatures[i] = minhash.hashvalues
            session.insert(i, minhash, check_duplication=False)
    pairs: list[tuple[int, int]] = []
    raw = 0
    # Querying with a signature needs a MinHash object; one reused shell avoids re-deriving
    # the permutations for every text.
    probe = datasketch.MinHash(num_perm=settings.num_perm, seed=settings.seed, hashfunc=_crc32)
    for i in range(len(keys)):
        probe.hashvalues = signatures[i]
        later = np.fromiter((j for j in lsh.query(probe) if j > i), dtype=np.int64)
        raw += len(later)
        if len(later):
            estimate = (signatures[later] == signatures[i]).mean(axis=1)
            pairs.extend((i, int(j)) for j in later[estimate >= settings.lsh_threshold])
    return pairs, signatures, raw


_RECENT: OrderedDict[tuple[str, str, str], DuplicateResult] = OrderedDict()
_RECENT_SIZE = 4


def _memo_key(
    texts: Sequence[str], embedder: Embedder | None, settings: DuplicateSettings
) -> tuple[str, str, str]:
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest(), settings.model_dump_json(), embedder.name if embedder else ""


def near_duplicate_clusters(
    texts: Sequence[str],
    embedder: Embedder | None = None,
    settings: DuplicateSettings | None = None,
) -> DuplicateResult:
    """Group ``texts`` into near-duplicate clusters (singletons are left out).

    Args:
        texts: the texts to compare, e.g. every question of a run.
        embedder: confirms candidates by cosine; without one, estimated Jaccard decides.
        settings: thresholds; the defaults suit short questions.

    Raises:
        InputError: ``texts`` is empty.
    """
    if not texts:
        raise InputError("near-duplicate detection needs at least one text")
    settings = settings or DuplicateSettings()
    key = _memo_key(texts, embedder, settings)
    if key in _RECENT:
        _RECENT.move_to_end(key)
        return _RECENT[key].model_copy(deep=True)
    result = _clusters(texts, embedder, settings)
    _RECENT[key] = result.model_copy(deep=True)
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return result


def _clusters(
    texts: Sequence[str], embedder: Embedder | None, settings: DuplicateSettings
) -> DuplicateResult:
    np = require("numpy")
    keys_of: dict[str, int] = {}
    key_index = [keys_of.setdefault(normalise(t), len(keys_of)) for t in texts]
    keys = list(keys_of)
    ordered, signatures, raw_hits = _candidate_pairs(keys, settings)
    kept: list[tuple[int, int]] = []
    embedded = 0
    if ordered:
        left = np.fromiter((a for a, _ in ordered), dtype=np.int64, count=len(ordered))
        right = np.fromiter((b for _, b in ordered), dtype=np.int64, count=len(ordered))
        estimate = (signatures[left] == signatures[right]).mean(axis=1)
        accept = estimate >= settings.jaccard
        if embedder is not None:
            ask = np.flatnonzero(accept & (estimate < settings.jaccard_alone))
            involved = sorted(set(left[ask].tolist()) | set(right[ask].tolist()))
            embedded = len(involved)
            if involved:
                # Embed one original text per normalised key (its first occurrence).
                first_text: dict[int, str] = {}
                for text, k in zip(texts, key_index, strict=True):
                    first_text.setdefault(k, text)
                vectors = embedder.encode([first_text[k] for k in involved])
                row = {k: r for r, k in enumerate(involved)}
                lv = vectors[[row[a] for a in left[ask].tolist()]]
                rv = vectors[[row[b] for b in right[ask].tolist()]]
                accept[ask] = np.einsum("ij,ij->i", lv, rv) >= settings.cosine
        kept = [pair for pair, ok in zip(ordered, accept.tolist(), strict=True) if ok]
    union = _UnionFind(len(keys))
    for a, b in kept:
        union.union(a, b)
    groups: dict[int, list[int]] = {}
    for i, k in enumerate(key_index):
        groups.setdefault(union.find(k), []).append(i)
    clusters = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    return DuplicateResult(
        clusters=clusters,
        candidate_pairs=len(ordered),
        confirmed_pairs=len(kept),
        embedded_texts=embedded,
        lsh_hits=raw_hits,
    )
