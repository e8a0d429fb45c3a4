"""How much of a source text (a seed, a diary entry) a synthetic text copies, word for word.

Two lexical measures, both on lower-cased word tokens (``\\w+``, so punctuation and case never
matter):

- **token containment** of a source in a text: the share of the source's words that lie in a
  word ``n``-gram (default trigram) the text also holds. A verbatim copy scores 1.0, so does a
  source pasted inside a much longer text; changing two words of a fifteen-word sentence
  leaves about 0.87 (only the changed words lose cover, because their neighbours are still
  covered by the trigrams on their other side; a change near either end uncovers its
  neighbours too). Texts that merely share a topic share a few short phrases ("how do I",
  "in the app") and stay below.
- **verbatim span**: the text repeats a run of at least ``span_words`` consecutive words of
  the source. This is checked against every source whatever its kind, so a critique pasted
  into an answer or a diary prompt reused as a question is caught too.

A seed's ``{slot}`` placeholders (``{country}``, ``{product}``) break it into segments: no
n-gram or span crosses a slot, and words of segments shorter than ``n`` are left out of the
containment's denominator, so a copy with the slots filled in still scores 1.0.

Only sources sharing at least one *rare* n-gram with a text are scored (an n-gram is common
when more than ``max_df`` sources hold it); texts are cut to their first ``max_words`` words.
That keeps the work near-linear in the number of texts at Datathon scale (tens of thousands
of texts against a few hundred seeds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from coalign.core.errors import InputError

_WORD = re.compile(r"\w+")
_SLOT = re.compile(r"\{[A-Za-z_][\w-]*\}")

#: What a source text is comparable with: ``question`` sources with synthetic questions,
#: ``response`` sources with synthetic responses and critiques; ``other`` only by verbatim span.
Role = Literal["question", "response", "other"]

Gram = tuple[str, ...]


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (punctuation dropped)."""
    return _WORD.findall(text.lower())


def segments(text: str) -> list[list[str]]:
    """The word tokens of ``text`` between its ``{slot}`` placeholders (one segment if none)."""
    return [words(part) for part in _SLOT.split(text)]


def unslotted(text: str) -> str:
    """``text`` with each ``{slot}`` replaced by its name, as a reader (or an embedder) sees it."""
    return _SLOT.sub(lambda m: m.group(0)[1:-1].replace("_", " "), text)


def grams(tokens: Sequence[str], n: int) -> list[Gram]:
    """The word ``n``-grams of ``tokens`` in order (none when there are fewer than ``n``)."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


@dataclass(frozen=True)
class SourceText:
    """One text a synthetic text must not copy.

    Attributes:
        kind: ``seed question``, ``seed example`` or ``diary entry``.
        id: the seed's or the entry's id.
        field: which text of it (``text`` for a seed question, else the field name).
        role: what it is comparable with (see :data:`Role`).
        text: the text itself.
    """

    kind: str
    id: str
    field: str
    role: Role
    text: str

    @property
    def label(self) -> str:
        """``seed question sq-12``, ``seed example se-3 aligned_response``, ``diary entry 7 prompt``."""
        own = "" if self.kind == "seed question" else f" {self.field}"
        return f"{self.kind} {self.id}{own}"


@dataclass(frozen=True)
class LexicalMatch:
    """A source a text copies: which one, by which measure, and how much.

    ``measure`` is ``token containment`` (``value`` in 0–1) or ``verbatim span`` (``value``: the
    number of consecutive words repeated). ``copied`` is false for the nearest source of a text
    that copies none, reported so that passing texts carry their closeness too.
    """

    source: int
    measure: str
    value: float
    copied: bool = True


@dataclass
class _Prepared:
    grams: list[list[Gram]]  # per segment, in order
    scoreable: int  # words in segments of at least n words
    spans: set[Gram] = field(default_factory=set)


class SourceIndex:
    """Sources indexed by their word n-grams and spans, ready to be matched against many texts.

    Args:
        sources: the texts that must not be copied.
        n: word n-gram length of token containment.
        span_words: consecutive words that count as a verbatim copy of any source.
        max_df: an n-gram held by more than this many sources (or by more than a tenth of them,
            whichever is larger) does not make a source a candidate on its own.
        max_words: words of a text that are looked at.

    Raises:
        InputError: ``n`` < 1 or ``span_words`` < ``n``.
    """

    def __init__(
        self,
        sources: Sequence[SourceText],
        *,
        n: int = 3,
        span_words: int = 12,
        max_df: int = 20,
        max_words: int = 2000,
    ) -> None:
        if n < 1 or span_words < n:
            raise InputError("token containment needs n ≥ 1 and span_words ≥ n")
        self.sources = list(sources)
        self.n, self.span_words, self.max_words = n, span_words, max_words
        self._prepared: list[_Prepared] = []
        postings: dict[Gram, list[int]] = {}
        self._spans: dict[Gram, list[int]] = {}
        for i, source in enumerate(self.sources):
            parts = segments(source.text)
            per_segment = [grams(p, n) for p in parts]
            prepared = _Prepared(
                grams=per_segment, scoreable=sum(len(p) for p in parts if len(p) >= n)
            )
            for gram in {g for seg in per_segment for g in seg}:
                postings.setdefault(gram, []).append(i)
            for part in parts:
                for span in set(grams(part, span_words)):
                    self._spans.setdefault(span, []).append(i)
            self._prepared.append(prepared)
        limit = max(max_df, len(self.sources) // 10)
        self._postings = {g: ids for g, ids in postings.items() if len(ids) <= limit}
        rare_holders = {i for ids in self._postings.values() for i in ids}
        # A source made only of common n-grams is scored against every text (there are few).
        self._always = [
            i
            for i, p in enumerate(self._prepared)
            if p.scoreable and i not in rare_holders and any(p.grams)
        ]

    def containment(self, source: int, text_grams: set[Gram]) -> tuple[float, int]:
        """Token containment of ``source`` in a text with n-grams ``text_grams``, and words covered."""
        prepared = self._prepared[source]
        if not prepared.scoreable:
            return 0.0, 0
        covered = 0
        n = self.n
        for seg in prepared.grams:
            end = 0  # first position of this segment not yet counted as covered
            for i, gram in enumerate(seg):
                if gram in text_grams:
                    start = max(i, end)
                    covered += i + n - start
                    end = i + n
        return covered / prepared.scoreable, covered

    def match(
        self,
        text: str,
        roles: Iterable[Role],
        *,
        containment: float = 0.8,
        min_copy_words: int = 8,
        allowed: set[int] | None = None,
        quoted: str | None = None,
    ) -> list[LexicalMatch]:
        """The sources ``text`` copies, strongest first (one match per source).

        When it copies none, the list holds at most the source of highest token containment,
        with ``copied`` false.

        A source of one of ``roles`` is copied when its token containment is at least
        ``containment`` and either at least ``min_copy_words`` of its words are covered or the
        text is at most half as long again as the source (a short seed inside a much longer,
        new question is a new question). Any source is copied when the text repeats
        ``span_words`` consecutive words of it — except spans that the text's own ``quoted``
        text (a response's question) also holds: an answer may quote its question.

        Args:
            allowed: only these source indices are considered (``None``: all).
        """
        tokens = words(text)[: self.max_words]
        wanted = set(roles)
        text_grams = set(grams(tokens, self.n))
        found: dict[int, LexicalMatch] = {}
        nearest: LexicalMatch | None = None
        candidates = set(self._always)
        for gram in text_grams:
            candidates.update(self._postings.get(gram, ()))
        for i in sorted(candidates):
            source = self.sources[i]
            if source.role not in wanted or (allowed is not None and i not in allowed):
                continue
            share, covered = self.containment(i, text_grams)
            if share >= containment and (
                covered >= min_copy_words or len(tokens) <= 1.5 * self._prepared[i].scoreable
            ):
                found[i] = LexicalMatch(i, "token containment", round(share, 3))
            elif share > 0 and (nearest is None or share > nearest.value):
                nearest = LexicalMatch(i, "token containment", round(share, 3), copied=False)
        if len(tokens) >= self.span_words:
            found.update(self._span_matches(tokens, quoted, allowed, found))
        if not found and nearest is not None:
            return [nearest]
        return sorted(found.values(), key=lambda m: -_strength(m))

    def _span_matches(
        self,
        tokens: list[str],
        quoted: str | None,
        allowed: set[int] | None,
        found: dict[int, LexicalMatch],
    ) -> dict[int, LexicalMatch]:
        """Sources whose spans the text repeats, with the longest repeated run per source."""
        own = set(grams(words(quoted), self.span_words)) if quoted else set()
        runs: dict[int, int] = {}
        current: dict[int, int] = {}
        for span in grams(tokens, self.span_words):
            holders = [] if span in own else self._spans.get(span, [])
            current = {i: current.get(i, self.span_words - 1) + 1 for i in holders}
            for i, length in current.items():
                runs[i] = max(runs.get(i, 0), length)
        return {
            i: LexicalMatch(i, "verbatim span", float(length))
            for i, length in runs.items()
            if i not in found and (allowed is None or i in allowed)
        }


def _strength(match: LexicalMatch) -> float:
    """Order matches: containment by its value, a span as strong as the share it would be."""
    return match.value if match.measure == "token containment" else min(1.0, match.value / 20)
