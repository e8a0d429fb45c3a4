"""Sensibility checks on single texts: each returns ``(passed, score, reason)``.

These are the building blocks of the per-record rules in :mod:`coalign.validation.rules.builtin`; they
take plain strings so they can be tested and reused without records.
"""

from __future__ import annotations

import re

from coalign.validation.metrics.distributions import word_tokens

CheckResult = tuple[bool, float | None, str]

# Frequent English function words: real English prose of five or more words almost always
# has at least one in seven of its words from this list; other languages rarely do.
_ENGLISH = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "about",
        "as",
        "into",
        "than",
        "then",
        "so",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "his",
        "its",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "where",
        "when",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "all",
        "any",
        "some",
        "there",
        "here",
        "very",
        "just",
        "more",
        "most",
        "such",
        "only",
        "own",
        "same",
        "too",
        "also",
        "out",
        "up",
        "down",
        "over",
        "after",
        "before",
        "because",
        "while",
    ]
)
_TERMINAL = tuple(".!?…\"'”’)]*`:;")
_LEAKS = (
    re.compile(r"\{\{|\}\}|\{%|%\}"),  # Jinja2 left unrendered
    re.compile(r"\{[a-z_]{2,30}\}"),  # a {slot} left unfilled
    re.compile(r"<\|[a-z_]+\|>|</?s>|\[/?INST\]|<<SYS>>"),  # chat-template tokens
    re.compile(r"^\s*(assistant|user|system)\s*:", re.IGNORECASE),  # role labels
    re.compile(
        r"\"(question|misaligned_response|aligned_response|critique)\"\s*:"
    ),  # raw JSON keys
    re.compile(
        r"^\s*(###\s*)?(instruction|misaligned response|aligned response|critique)\s*:",
        re.IGNORECASE | re.MULTILINE,
    ),  # prompt headings echoed
)
_REFUSALS = re.compile(
    r"\b(i'?m sorry,? but|i am sorry,? but|i (cannot|can't|can ?not|won't|will not) "
    r"(help|assist|provide|do|comply|answer|fulfil|fulfill)|as an ai( language model)?,? i|"
    r"i'?m (just )?an ai|i am (just )?an ai|i'?m not able to (help|assist|provide))",
    re.IGNORECASE,
)


def non_empty(value: object) -> CheckResult:
    """The value is a string with at least one non-space character."""
    if not isinstance(value, str):
        return False, None, f"expected text, got {type(value).__name__}"
    if not value.strip():
        return False, None, "empty"
    return True, None, ""


def looks_english(text: str, min_share: float = 0.15, min_words: int = 5) -> CheckResult:
    """Heuristic language check: enough Latin letters and English function words.

    Texts shorter than ``min_words`` words pass (too short to judge). The score is the share
    of words that are English function words.
    """
    letters = [c for c in text if c.isalpha()]
    if letters:
        latin = sum(1 for c in letters if c.isascii()) / len(letters)
        if latin < 0.8:
            return False, 0.0, f"only {latin:.0%} of letters are Latin"
    words = [w for w in word_tokens(text) if w.isalpha()]
    if len(words) < min_words:
        return True, None, "too short to judge"
    share = sum(1 for w in words if w in _ENGLISH) / len(words)
    if share < min_share:
        return False, share, f"{share:.0%} English function words (need {min_share:.0%})"
    return True, share, ""


# Words a finished question or instruction hardly ever ends on (articles, prepositions,
# conjunctions, possessives): an unpunctuated text stopping on one was cut off.
_DANGLING = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "into",
        "than",
        "because",
        "while",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
    ]
)


def not_truncated(text: str, *, unpunctuated_ok: bool = False) -> CheckResult:
    """The text ends like a finished sentence: terminal punctuation, a closing quote or bracket.

    With ``unpunctuated_ok`` (for questions people type without a ``?``), a text ending on a
    letter or digit passes too, unless its last word is a function word (``…how to write a``).
    """
    stripped = text.rstrip()
    if not stripped:
        return False, None, "empty"
    if stripped.endswith(_TERMINAL) or not stripped[-1].isalnum():
        if stripped.count("```") % 2:
            return False, None, "an unclosed code block"
        return True, None, ""
    if unpunctuated_ok:
        words = word_tokens(stripped)
        if not words or words[-1] not in _DANGLING:
            return True, None, ""
        return False, None, f"stops on {words[-1]!r}: …{stripped[-30:]!r}"
    return False, None, f"ends mid-sentence: …{stripped[-30:]!r}"


def not_refusal(text: str) -> CheckResult:
    """The text is not a refusal or an 'as an AI' disclaimer."""
    match = _REFUSALS.search(text)
    if match:
        return False, None, f"refusal phrase {match.group(0)!r}"
    return True, None, ""


def no_template_leak(text: str) -> CheckResult:
    """The text holds no prompt-template residue (unrendered slots, chat tokens, echoed headings)."""
    for pattern in _LEAKS:
        match = pattern.search(text)
        if match:
            return False, None, f"template residue {match.group(0).strip()!r}"
    return True, None, ""
