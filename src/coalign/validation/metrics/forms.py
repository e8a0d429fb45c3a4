"""Rule-based question format and question kind, documented so a reader can predict every label.

Format (what the text looks like):

* ``question`` — the text, after trailing quotes and spaces are removed, ends with ``?``.
* ``instruction`` — otherwise, its first word (after an optional ``please``/``kindly``) is an
  imperative verb from :data:`IMPERATIVE_VERBS` (``write``, ``explain``, ``list`` …).
* ``statement`` — anything else (``I need a plan for my team.``).

Kind (what answer the text asks for) uses the study's own three kinds,
:data:`coalign.core.study.QuestionKind`, with the meaning a recipe gives them when it asks
for a question of a type (``synth/templates/questions.j2``): ``open`` and ``closed`` are
questions, ``other`` is an instruction or request in the imperative. So a text classified
here and the question type it was generated for name the same thing.

* ``closed`` — a yes/no or either/or question: the first word is an auxiliary or modal
  (:data:`AUXILIARIES`: ``is``, ``do``, ``can``, ``should`` …), unless it is a polite request
  (``can you`` / ``could you`` / ``would you`` followed by a verb from :data:`IMPERATIVE_VERBS`,
  e.g. "Could you explain …"), which is open.
* ``open`` — the first word is a wh-word (:data:`WH_WORDS`: ``what``, ``how``, ``why`` …),
  or the text is a polite request.
* ``other`` — everything else: instructions (``Write a letter …``), statements, fragments.

When the first word decides nothing, the same tests are applied to the words after the first
comma, semicolon, colon or spaced dash, then to the last sentence, so "As a manager, how should
I …", "I can save 100 euros a month - what kind of account suits me?" and "My transfer has not
arrived. What can I do?" are open questions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from coalign.core.study import QuestionKind

QuestionFormat = Literal["question", "instruction", "statement"]

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
_CLAUSE_BREAK = re.compile(r"[,;:]|\s[-–—]\s")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


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


def _polite(words: list[str]) -> bool:
    return (
        len(words) >= 3
        and words[0] in AUXILIARIES
        and words[1] == "you"
        and words[2] in IMPERATIVE_VERBS
    )


def is_polite_request(text: str) -> bool:
    """An instruction asked as a question: "(Please) could you draft …?" (module doc)."""
    words = _words(text)
    return _polite(words[1:] if words and words[0] in _PREFIXES else words)


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
        if _polite(words):
            return "open"
        return "closed" if fmt == "question" else "other"
    if first in IMPERATIVE_VERBS:
        return "other"
    return None


def _clauses(text: str) -> list[str]:
    """The text, the part after its first clause break, and its last sentence (when it has two)."""
    out = [text]
    parts = _CLAUSE_BREAK.split(text, maxsplit=1)
    if len(parts) == 2:
        out.append(parts[1])
    sentences = [s for s in _SENTENCE_BREAK.split(text.strip()) if s]
    if len(sentences) > 1:
        out.append(sentences[-1])
    return out


def question_kind(text: str, fmt: QuestionFormat | None = None) -> QuestionKind:
    """Classify ``text`` as ``open``, ``closed`` or ``other`` (rules in the module doc)."""
    fmt = fmt or question_format(text)
    for clause in _clauses(text):
        kind = _kind_of_clause(_words(clause), fmt)
        if kind is not None:
            return kind
    return "other"


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
