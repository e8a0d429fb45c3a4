"""Rule-based question format and question kind, documented so a reader can predict every label.

Format (what the text looks like):

* ``question`` — the text, after trailing quotes and spaces are removed, ends with ``?``.
* ``instruction`` — otherwise, its first word (after an optional ``please``/``kindly``) is an
  imperative verb from :data:`IMPERATIVE_VERBS` (``write``, ``explain``, ``list`` …).
* ``statement`` — anything else (``I need a plan for my team.``).

Kind (what answer the text asks for):

* ``closed`` — a yes/no or either/or question: the first word is an auxiliary or modal
  (:data:`AUXILIARIES`: ``is``, ``do``, ``can``, ``should`` …), unless it is a polite request
  (``can you`` / ``could you`` / ``would you`` followed by a verb from :data:`IMPERATIVE_VERBS`,
  e.g. "Could you explain …"), which is open.
* ``open`` — the first word is a wh-word (:data:`WH_WORDS`: ``what``, ``how``, ``why`` …),
  or the text is an instruction or a polite request.
* ``other`` — everything else (statements, fragments).

When the first word decides nothing and the text has a comma, the same tests are applied to
the words after the first comma, so "As a manager, how should I …" is an open question.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

QuestionFormat = Literal["question", "instruction", "statement"]
QuestionKind = Literal["open", "closed", "other"]

WH_WORDS = frozenset({"what", "why", "how", "where", "when", "who", "whom", "whose", "which"})
AUXILIARIES = frozenset(
    {
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "isn't",
        "aren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
    }
)
IMPERATIVE_VERBS = frozenset(
    {
        "write",
        "explain",
        "describe",
        "list",
        "give",
        "tell",
        "suggest",
        "recommend",
        "provide",
        "create",
        "draft",
        "compose",
        "summarize",
        "summarise",
        "compare",
        "help",
        "show",
        "plan",
        "design",
        "generate",
        "make",
        "outline",
        "propose",
        "analyze",
        "analyse",
        "evaluate",
        "identify",
        "find",
        "rewrite",
        "translate",
        "prepare",
        "develop",
        "build",
        "calculate",
        "classify",
        "define",
        "discuss",
        "draw",
        "edit",
        "estimate",
        "imagine",
        "name",
        "offer",
        "organize",
        "organise",
        "predict",
        "rank",
        "rate",
        "review",
        "share",
        "sort",
        "teach",
        "convince",
        "argue",
        "assess",
        "brainstorm",
        "choose",
        "decide",
        "detail",
        "elaborate",
        "improve",
        "justify",
        "advise",
        "guide",
        "check",
        "correct",
        "convert",
        "fix",
        "answer",
        "walk",
        "let",
        "pretend",
        "act",
        "consider",
        "think",
        "use",
        "put",
        "set",
        "play",
        "read",
    }
)
_PREFIXES = frozenset({"please", "kindly"})
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_TRAILING = " \t\r\n\"'”’)]"


def _words(text: str, limit: int = 4) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)[:limit]]


def question_format(text: str) -> QuestionFormat:
    """Classify ``text`` as ``question``, ``instruction`` or ``statement`` (rules in the module doc)."""
    stripped = text.rstrip(_TRAILING)
    if stripped.endswith("?"):
        return "question"
    words = _words(stripped)
    if words and words[0] in _PREFIXES:
        words = words[1:]
    if words and words[0] in IMPERATIVE_VERBS:
        return "instruction"
    return "statement"


def _kind_of_clause(words: list[str], fmt: QuestionFormat) -> QuestionKind | None:
    if not words:
        return None
    first = words[0]
    if first in _PREFIXES:
        words = words[1:]
        if not words:
            return None
        first = words[0]
    if first in WH_WORDS:
        return "open"
    if first in AUXILIARIES:
        if len(words) >= 3 and words[1] == "you" and words[2] in IMPERATIVE_VERBS:
            return "open"
        return "closed" if fmt == "question" else "other"
    if first in IMPERATIVE_VERBS:
        return "open"
    return None


def question_kind(text: str, fmt: QuestionFormat | None = None) -> QuestionKind:
    """Classify ``text`` as ``open``, ``closed`` or ``other`` (rules in the module doc)."""
    fmt = fmt or question_format(text)
    kind = _kind_of_clause(_words(text), fmt)
    if kind is None and "," in text:
        kind = _kind_of_clause(_words(text.split(",", 1)[1]), fmt)
    return kind or "other"


def form_counts(texts: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of each format and each kind over ``texts``.

    Returns:
        ``{"format": {"question": n, …}, "kind": {"open": n, …}}`` with every label present.
    """
    formats: Counter[str] = Counter({"question": 0, "instruction": 0, "statement": 0})
    kinds: Counter[str] = Counter({"open": 0, "closed": 0, "other": 0})
    for text in texts:
        fmt = question_format(text)
        formats[fmt] += 1
        kinds[question_kind(text, fmt)] += 1
    return {"format": dict(formats), "kind": dict(kinds)}
