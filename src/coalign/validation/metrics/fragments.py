"""Fragments: texts cut off mid-word or mid-sentence, questions without their ``?``, verbless text.

:func:`find_fragments` returns, per text, the first :class:`Fragment` found (or ``None``). The
classes, checked in this order, each on the text's ending unless said otherwise:

* ``cut_word`` — the text ends on an odd character (``&``, ``|``, ``\\``, ``<``, ``^``, ``~``,
  ``=``, ``_``, ``@``), on a lone letter that is no label (``Plan B`` and ``option C`` are
  labels), or — when it has no final punctuation — on a word that is not in the vocabulary but
  begins a word that is (``popul``, ``acco``). The vocabulary is spaCy's English lemma tables
  (WordNet lemmas and their exceptions), its stop words and the word forms of its training
  corpus (``app``, ``PayPal``), every word the batch itself uses before its last word (so the
  set's own product names and jargon count as words), and the caller's ``known_words``.
  Unknown words that begin no known word (``bitcoin``, ``fintech``) pass: a word cut by a
  token limit is the start of a real word.
* ``open_punctuation`` — the text ends on a comma, semicolon, colon, dash or opening bracket.
* ``function_word`` — the last word is an article or possessive (*the*, *a*, *my*, *their*), a
  coordinating or subordinating conjunction (*and*, *because*, *than*), or a preposition left
  without its object after a noun (``… send money to``; stranded prepositions after a verb, or
  in a finished wh-question, pass: "Who do I talk to?", "What is this fee for?"; particles such
  as *up* or *off* always pass). Without final punctuation also an infinitive *to*, a modal
  (``… you can``), or a modal or *do* with its subject and no verb (``How much should I``);
  with a ``.`` or ``?`` those are deliberate ellipses ("You don't have to.", "Can I?").
* ``dangling_modifier`` — the text ends on an adjective or degree word after an article or
  possessive (``the most popular``) and the sentence has no noun or pronoun it could refer to
  ("Which card is the cheapest?" passes).
* ``no_question_mark`` — the last sentence opens like a question (a wh-word, an auxiliary or a
  polite request, per :func:`coalign.validation.metrics.forms.question_kind`) but does not end
  with ``?``. Texts whose question type's kind is ``other`` (instructions and requests), and
  responses, are never asked for a ``?``.
* ``no_finite_verb`` — the whole text (every sentence) has no finite verb, auxiliary or modal
  and no imperative (a base-form verb opening a sentence
  or following a comma: "Draft a letter …", "As a manager, draft …"). Texts under four words
  and texts ending with ``?`` are not judged: people ask "Any tips for a first flat?".

Multi-sentence texts: the ending classes look at the last sentence; the finite-verb check at
the whole text. Only the tail of each text is parsed first (its last sentences, 12 to 40
words: :func:`tail`); the whole text is parsed only when that tail has no finite verb.

Parsing runs spaCy's tagger (Penn Treebank tags) and sentence recogniser only: the parser,
the entity recogniser, the attribute ruler and the lemmatizer are not run (the attribute ruler
alone would cost a third of the time; every decision here reads the fine-grained tag, and
*finite* means the tags ``VBZ``, ``VBP``, ``VBD`` and ``MD``, the tags spaCy maps to
``VerbForm=Fin``). Each distinct text is parsed once, in ``nlp.pipe`` batches.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from coalign.core.study import QuestionKind
from coalign.validation.metrics.forms import question_kind
from coalign.validation.metrics.loaders import load_spacy

FragmentClass = Literal[
    "cut_word",
    "open_punctuation",
    "function_word",
    "dangling_modifier",
    "no_question_mark",
    "no_finite_verb",
]
FRAGMENT_CLASSES: tuple[FragmentClass, ...] = (
    "cut_word",
    "open_punctuation",
    "function_word",
    "dangling_modifier",
    "no_question_mark",
    "no_finite_verb",
)


@dataclass(frozen=True)
class Fragment:
    """One failure: its class, what was found, and the end of the text it was found in."""

    kind: FragmentClass
    detail: str
    ending: str

    def reason(self) -> str:
        """``<class>: <detail>: …<ending>`` for a verdict."""
        return f"{self.kind}: {self.detail}: …{self.ending!r}"


#: Texts shorter than this are not judged for a finite verb ("Not at all!", "Yes, of course.").
VERBLESS_MIN_WORDS = 4
#: A tail window is the last sentences of a text up to this many words at least ...
TAIL_ENOUGH = 12
#: ... and at most this many (the ending needs no more context).
TAIL_MOST = 40
_ODD_END = frozenset("&|\\<^~=_@")
_OPEN_END = frozenset(",;:-–—([{“‘")
_TERMINAL = frozenset(".!?…")
_CLOSERS = " \t\r\n\"'”’)]}*`»"
_ARTICLES = frozenset({"a", "an", "the", "every"})
_CONJUNCTIONS = frozenset(
    {"and", "or", "but", "nor", "because", "although", "whether", "unless", "if", "than", "whereas"}
)
_PARTICLES = frozenset(
    {
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "back",
        "away",
        "around",
        "through",
        "along",
        "about",
        "by",
        "apart",
        "ahead",
        "aside",
        "forward",
        "together",
        "across",
        "behind",
        "below",
        "above",
        "inside",
        "outside",
        "before",
        "after",
        "since",
    }
)
_DO_FORMS = frozenset({"do", "does", "did"})
_DEGREE = frozenset({"most", "more", "least", "less", "very", "quite", "rather", "extremely"})
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
_LABEL_WORDS = frozenset(
    {
        "plan",
        "option",
        "type",
        "grade",
        "vitamin",
        "part",
        "class",
        "section",
        "category",
        "step",
        "tier",
        "level",
        "model",
        "form",
        "appendix",
        "schedule",
        "article",
        "item",
        "annex",
        "point",
        "phase",
        "group",
        "team",
        "room",
        "block",
        "exhibit",
        "figure",
        "table",
        "version",
        "box",
        "line",
        "row",
        "column",
        "size",
        "account",
        "note",
        "unit",
        "gate",
        "floor",
        "building",
        "wing",
        "letter",
    }
)
_FINITE = frozenset({"VBZ", "VBP", "VBD", "MD"})
_ADJECTIVES = frozenset({"JJ", "JJR", "JJS"})
_MODIFIERS = _ADJECTIVES | {"RB", "RBR", "RBS"}
_NOMINAL = frozenset({"NN", "NNS", "NNP", "NNPS", "CD", "PRP"})
#: Tags of the word before a final preposition that make it a stranded one ("talk to").
_VERBAL = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD", "RB", "RP", "IN", "TO"})
#: Tags of a sentence's first word that may stand before an imperative ("Please list …").
_OPENERS = frozenset({"UH", "RB", "LS", ":", "-LRB-", "``", "NFP"})
_SUFFIXES = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("er", ""),
    ("est", ""),
    ("'s", ""),
)
#: Wh-words that can be the object a final preposition lacks ("Who do I talk to?").
_WH_OBJECTS = frozenset({"WDT", "WP", "WP$"})
_SENTENCE_START = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z]+")


def tail(text: str, enough: int = TAIL_ENOUGH, most: int = TAIL_MOST) -> str:
    """The end of ``text`` worth parsing: whole sentences from the end, ``enough`` words or more.

    Sentences (split before a capital after ``.``, ``!`` or ``?``) are taken from the end until
    the piece has ``enough`` words, as long as it stays within ``most`` words; a last sentence
    longer than ``most`` words gives its last ``most`` words.
    """
    stripped = text.strip()
    if len(stripped.split()) <= enough:
        return stripped
    best = None
    for start in reversed([m.end() for m in _SENTENCE_START.finditer(stripped)]):
        piece = stripped[start:]
        size = len(piece.split())
        if size > most:
            break
        best = piece
        if size >= enough:
            break
    if best is None:
        return " ".join(stripped.split()[-most:])
    return best if len(best.split()) >= enough or len(stripped.split()) > most else stripped


@lru_cache(maxsize=1)
def load_tagger() -> Any:
    """spaCy's small English pipeline running only its tagger and sentence recogniser.

    Its vocabulary (:func:`_lexicon`) is read at once, before the pipeline sees any text: spaCy
    adds the strings of every text it processes to the same store.
    """
    nlp = load_spacy(("ner", "parser"), ("attribute_ruler", "lemmatizer"), ("senter",))
    _lexicon(nlp)
    return nlp


@lru_cache(maxsize=2)
def _lexicon(nlp: Any) -> tuple[frozenset[str], tuple[str, ...]]:
    """Known words (lower case) of ``nlp``, and the same sorted.

    They are its lemma tables (WordNet lemmas and irregular forms), its stop words and the
    strings of its vocabulary (the word forms of the corpus it was trained on, which hold
    newer words such as *app* or *PayPal*). Read it before ``nlp`` processes texts.
    """
    words: set[str] = set(nlp.Defaults.stop_words)
    words.update(w for w in nlp.vocab.strings if w.isalpha())
    if "lemmatizer" in nlp.component_names:
        lookups = nlp.get_pipe("lemmatizer").lookups
        for name in ("lemma_index", "lemma_exc"):
            if not lookups.has_table(name):
                continue
            for entries in lookups.get_table(name).values():
                if isinstance(entries, dict):
                    words.update(entries)
                    words.update(w for forms in entries.values() for w in forms)
                else:
                    words.update(entries)
    known = frozenset(w.lower() for w in words if w.isascii() and "_" not in w)
    return known, tuple(sorted(known))


def _stems(word: str) -> list[str]:
    """``word`` and what it may be an inflection of (``banks`` → ``bank``, ``cheaper`` → ``cheap``)."""
    out = [word]
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            out.append(word[: len(word) - len(suffix)] + replacement)
    return out


def _begins_known_word(word: str, ordered: Sequence[str]) -> bool:
    i = bisect.bisect_right(ordered, word)
    return i < len(ordered) and ordered[i].startswith(word) and ordered[i] != word


def batch_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every word the texts use before their last word, lower case."""
    seen: set[str] = set()
    for text in texts:
        words = _WORD.findall(text.lower())
        seen.update(words[:-1])
    return frozenset(seen)


def _ending(text: str, width: int = 40) -> str:
    stripped = text.rstrip()
    return stripped[-width:]


def _words_of(sentence: Any) -> list[Any]:
    return [t for t in sentence if not (t.is_punct or t.is_space or t.text in _CLOSERS)]


def _cut_word(
    last: Any, before: Any | None, punctuated: bool, known: frozenset[str], ordered: Sequence[str]
) -> str | None:
    text = last.text
    if last.like_url or last.like_email or any(c.isdigit() for c in text):
        return None
    if len(text) == 1 and text.isalpha() and text not in ("I", "a", "A"):
        label = before is not None and before.lower_ in _LABEL_WORDS | {"and", "or"}
        return None if label else f"ends on a lone letter {text!r}"
    if punctuated or not text.isalpha() or text.isupper() or len(text) < 2:
        return None
    lower = text.lower()
    if any(stem in known for stem in _stems(lower)):
        return None
    if _begins_known_word(lower, ordered):
        return f"ends on {text!r}, not a word but the start of one"
    return None


def _function_word(sentence: list[Any], punctuated: bool) -> str | None:
    last = sentence[-1]
    before = sentence[-2] if len(sentence) > 1 else None
    lower = last.lower_
    if lower in _ARTICLES or last.tag_ in ("PRP$", "WP$"):
        return f"ends on the determiner {last.text!r}"
    if lower in _CONJUNCTIONS and last.tag_ in ("CC", "IN"):
        return f"ends on the conjunction {last.text!r}"
    if last.tag_ == "IN" and lower not in _PARTICLES:
        after_verb = before is not None and before.tag_ in _VERBAL
        wh = punctuated and any(t.tag_ in _WH_OBJECTS or t.lower_ == "where" for t in sentence[:-1])
        if not after_verb and not wh:
            return f"ends on the preposition {last.text!r} without its object"
    if punctuated:
        return None
    if last.tag_ == "TO":
        return "ends on 'to' without its verb"
    if last.tag_ == "MD":
        return f"ends on the auxiliary {last.text!r}"
    if (
        last.tag_ == "PRP"
        and before is not None
        and (before.tag_ == "MD" or (before.lower_ in _DO_FORMS and before.tag_ in _FINITE))
    ):
        return f"ends on {before.text + ' ' + last.text!r} with no verb"
    return None


def _dangling(sentence: list[Any]) -> str | None:
    last = sentence[-1]
    if not (last.tag_ in _ADJECTIVES or last.lower_ in _DEGREE):
        return None
    i = len(sentence) - 1
    while i >= 0 and (sentence[i].tag_ in _MODIFIERS or sentence[i].lower_ in _DEGREE):
        i -= 1
    if i < 0 or i == len(sentence) - 1:
        return None
    det = sentence[i]
    if not (det.lower_ in _ARTICLES or det.tag_ == "PRP$"):
        return None
    head = any(t.tag_ in _NOMINAL or t.lower_ in _DEMONSTRATIVES for t in sentence[:i])
    if head:
        return None
    phrase = " ".join(t.text for t in sentence[i:])
    return f"ends on {phrase!r}, a modifier with nothing to modify"


def _is_finite(doc: Any) -> bool:
    previous = None
    for token in doc:
        if token.tag_ in _FINITE:
            return True
        if token.tag_ == "VB" and (
            token.is_sent_start
            or previous is None
            or previous.text in (",", ":", ";", "-", "•", "*")
            or (previous.tag_ in _OPENERS and previous.is_sent_start)
        ):
            return True
        previous = token
    return False


def _ending_fragment(
    text: str,
    doc: Any,
    ask: QuestionKind | None,
    known: frozenset[str],
    ordered: Sequence[str],
    checks: frozenset[FragmentClass],
) -> Fragment | None:
    ending = _ending(text)
    stripped = text.rstrip()
    if not stripped:
        return None
    closed = stripped.rstrip(_CLOSERS) or stripped
    final = stripped[-1]
    punctuated = closed[-1] in _TERMINAL
    if "cut_word" in checks and final in _ODD_END:
        return Fragment("cut_word", f"ends on the odd character {final!r}", ending)
    if "open_punctuation" in checks and final in _OPEN_END:
        return Fragment("open_punctuation", f"ends on {final!r}", ending)
    sentences = list(doc.sents)
    words = _words_of(sentences[-1]) if sentences else []
    if not words:  # the last "sentence" is punctuation only: look at the whole tail
        words = _words_of(doc)
    if not words:
        return None
    last = words[-1]
    if "cut_word" in checks:
        found = _cut_word(last, words[-2] if len(words) > 1 else None, punctuated, known, ordered)
        if found:
            return Fragment("cut_word", found, ending)
    if "function_word" in checks:
        found = _function_word(words, punctuated)
        if found:
            return Fragment("function_word", found, ending)
    if "dangling_modifier" in checks:
        found = _dangling(words)
        if found:
            return Fragment("dangling_modifier", found, ending)
    if "no_question_mark" in checks and ask != "other" and not closed.endswith("?"):
        last_sentence = sentences[-1].text if sentences else closed
        kind = question_kind(last_sentence, "question")
        if kind in ("open", "closed"):
            article = "an" if kind == "open" else "a"
            return Fragment("no_question_mark", f"{article} {kind} question without '?'", ending)
    return None


def find_fragments(
    texts: Sequence[str],
    kinds: Sequence[QuestionKind | None] | None = None,
    *,
    nlp: Any | None = None,
    known_words: Iterable[str] = (),
    checks: Iterable[FragmentClass] = FRAGMENT_CLASSES,
    batch_size: int = 128,
) -> list[Fragment | None]:
    """The first fragment class each text falls into (the module doc lists them), or ``None``.

    Args:
        texts: questions or responses.
        kinds: per text, the kind it was asked to be: ``open``/``closed`` (a question, which
            needs its ``?``), ``other`` (an instruction, or a response: no ``?`` needed) or
            ``None`` (its own form decides). By default ``None`` for every text.
        nlp: a spaCy pipeline with a tagger; by default :func:`load_tagger`.
        known_words: more words the vocabulary check accepts (names, jargon).
        checks: the classes to test (all by default).
        batch_size: texts per ``nlp.pipe`` batch.
    """
    if kinds is None:
        kinds = [None] * len(texts)
    if len(kinds) != len(texts):
        raise ValueError("kinds must give one kind per text")
    wanted = frozenset(checks)
    pipeline = nlp if nlp is not None else load_tagger()
    base, ordered = _lexicon(pipeline)
    known = base | batch_vocabulary(texts) | {w.lower() for w in known_words}
    tails = {t: tail(t) for t in dict.fromkeys(texts) if t.strip()}
    docs = dict(zip(tails, pipeline.pipe(tails.values(), batch_size=batch_size), strict=True))
    finite = {t: _is_finite(doc) for t, doc in docs.items()}
    if "no_finite_verb" in wanted:
        again = [t for t in tails if not finite[t] and tails[t] != t.strip()]
        for t, doc in zip(again, pipeline.pipe(again, batch_size=batch_size), strict=True):
            finite[t] = _is_finite(doc)
    out: list[Fragment | None] = []
    for text, kind in zip(texts, kinds, strict=True):
        if text not in docs:
            out.append(None)
            continue
        found = _ending_fragment(text, docs[text], kind, known, ordered, wanted)
        if found is None and "no_finite_verb" in wanted and not finite[text]:
            closed = text.rstrip().rstrip(_CLOSERS)
            if not closed.endswith("?") and len(text.split()) >= VERBLESS_MIN_WORDS:
                found = Fragment(
                    "no_finite_verb", "no finite verb and no imperative", _ending(text)
                )
        out.append(found)
    return out
