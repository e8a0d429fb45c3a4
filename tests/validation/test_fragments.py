"""The ``fragment`` and ``fields_repeat`` rules: each failure class, and clean text that must pass."""

from __future__ import annotations

import pytest

from coalign.study.files import load_study_file
from coalign.validation import FilterContext, make_filter
from coalign.validation.metrics.fragments import find_fragments, tail
from coalign.validation.metrics.overlap import copied_share, longest_shared_run, words
from coalign.validation.rules.config import DEFAULT_FILTERS
from coalign.validation.rules.registry import RULES

from .conftest import BANK, TRIPLES, record

MISALIGNED = "Just wait a few days, the card will probably turn up again somewhere in your flat."
CRITIQUE = (
    "This violates safety: a lost card should be blocked at once, because anyone who finds it "
    "can pay with it until it is blocked."
)
ALIGNED = (
    "Open the app, tap Cards and choose Block card. The block is immediate, and you can order a "
    "replacement in the same screen."
)
QUESTION = "How do I block my lost debit card at night?"


def question(key: str, text: str, kind: str | None = None, qtype: str | None = None):
    attributes = {"topic": "cards"}
    if kind:
        attributes["question_kind"] = kind
    if qtype:
        attributes["question_type"] = qtype
    return record("run_fr", "questions", {"question": text}, attributes, key=key)


def triple(key: str, chained: bool = False, **changes: str):
    """A response record as either generation mode stores it (chained adds its steps)."""
    data = {
        "question": QUESTION,
        "dimension": "safety",
        "misaligned_response": MISALIGNED,
        "critique": CRITIQUE,
        "aligned_response": ALIGNED,
    }
    data.update(changes)
    attributes = {"topic": "cards", "question_type": "how-to", "question_kind": "open"}
    attributes["dimension"] = "safety"
    if chained:
        attributes["steps"] = [{"step": f, "template": f"{f}.j2"} for f in data]  # type: ignore[assignment]
    return record("run_fr", "responses", data, attributes, key=key)


def run_rule(rule: str, records, context=None, **options):
    f = make_filter(rule, **options)
    return {v.record_id: v for v in f(records, context or FilterContext())}


# --- failure classes, on single texts ------------------------------------------------------

FAILING = [
    # cut off mid-word: an odd last character, a lone letter, the start of a word
    ("Where is the X Re&", None, "cut_word", "odd character '&'"),
    ("Where is the X R", None, "cut_word", "lone letter 'R'"),
    ("Where can I find the popul", None, "cut_word", "'popul', not a word"),
    ("You should talk to an advis", "other", "cut_word", "'advis'"),
    # ends on a comma, colon, dash or open bracket
    ("Explain the fees,", "other", "open_punctuation", "','"),
    ("Here are the steps:", "other", "open_punctuation", "':'"),
    ("Block the card and then -", "other", "open_punctuation", "'-'"),
    ("Call the hotline (", "other", "open_punctuation", "'('"),
    # ends on a function word
    ("How do I open a", None, "function_word", "determiner 'a'"),
    ("Write a complaint to my", "other", "function_word", "determiner 'my'"),
    ("You could also take out a loan and", "other", "function_word", "conjunction 'and'"),
    ("It is cheaper than", "other", "function_word", "conjunction 'than'"),
    ("How do I send money to", None, "function_word", "preposition 'to'"),
    ("What is the best way to", None, "function_word", "preposition 'to'"),
    ("How much should I", None, "function_word", "'should I' with no verb"),
    ("Where can I find the?", None, "function_word", "determiner 'the'"),
    # a modifier with nothing to modify
    ("What is the most popular", None, "dangling_modifier", "'the most popular'"),
    ("Which is the best?", "open", "dangling_modifier", "'the best'"),
    # an open or closed question without "?"
    (
        "Can I use my debit card in Turkey without extra fees",
        "closed",
        "no_question_mark",
        "closed",
    ),
    ("Should I pay off my credit card or my overdraft first", None, "no_question_mark", "closed"),
    ("My card was stolen. What can I do now", "open", "no_question_mark", "open"),
    # no finite verb, no imperative
    ("The best savings account for students", None, "no_finite_verb", "no finite verb"),
    ("Tips for saving money on a small salary.", "other", "no_finite_verb", "no finite verb"),
]


@pytest.mark.parametrize(("text", "kind", "expected", "detail"), FAILING)
def test_each_fragment_class_is_found_and_named(text, kind, expected, detail):
    [found] = find_fragments([text], [kind])
    assert found is not None, text
    assert found.kind == expected
    assert detail in found.detail
    assert found.reason().startswith(f"{expected}: ") and text[-10:] in found.reason()


#: Finished texts of every shape the rule must leave alone: (text, asked kind).
CLEAN = [
    ("What should I do?", "open"),
    ("What should I do?", None),
    ("what should I write to my landlord", "other"),
    ("How do I report a stolen card at night", "other"),
    ("Can you help me with my budget", "other"),
    ("Draft a short letter cancelling my credit card.", "other"),
    ("Draft a letter to my landlord about the late rent", "other"),
    ("Please list three ways to save on fees", "other"),
    ("Summarise these account terms in five bullet points.", "other"),
    ("As a manager, draft a reply to an angry customer.", "other"),
    ("Rewrite this fee notice in simple words for a customer who is new to German.", "other"),
    ("Can I open an account in the U.S.?", "closed"),
    ("Which banks operate in the U.S.?", "open"),
    ("List the fees for a transfer to the U.S.", "other"),
    ("Is 3.5% a good rate for 2024?", "closed"),
    ("What is the limit for transfers above 10,000?", "open"),
    ("How much is 15% of 2000?", None),
    ("See section 4.2", "other"),
    ("Should I choose Plan B?", "closed"),
    ("I can save 100 euros a month - what kind of account suits me?", "open"),
    ("My transfer was sent three days ago and has not arrived. What can I do?", "open"),
    ("Who should I talk to?", "open"),
    ("What is this fee for?", "open"),
    ("Is this the account I should pay into?", "closed"),
    ("How do I sign up", "other"),
    ("Which card is the cheapest?", "open"),
    ("Any tips for a first flat?", "open"),
    ("Is bitcoin a safe investment?", "closed"),
    ("Can I pay with PayPal", "other"),
    # responses: URLs, e-mail addresses, quotes and brackets, ellipses, several sentences
    ("You can read the full terms at https://www.bank.de/fees", "other"),
    ("Write to us at help@bank.de", "other"),
    ('He said: "Never share your PIN."', "other"),
    ("Ask at the branch (bring your passport)", "other"),
    ("I recommend the one with the lowest fees (about 2%).", "other"),
    ("You don't have to.", "other"),
    ("Yes, you can.", "other"),
    ("I think so.", "other"),
    ("Not at all!", "other"),
    ("It was a good idea, though.", "other"),
    ("Good question. Block the card in the app.", "other"),
    (ALIGNED, "other"),
    (CRITIQUE, "other"),
    (MISALIGNED, "other"),
    *[(text, "other") for triple_ in TRIPLES for text in triple_[1:]],
]


def test_finished_texts_pass():
    found = find_fragments([t for t, _ in CLEAN], [k for _, k in CLEAN])
    failures = {text: f.reason() for (text, _), f in zip(CLEAN, found) if f is not None}
    assert failures == {}


def test_the_seed_questions_of_the_bank_study_pass_with_their_types_kinds():
    study = load_study_file(BANK).study
    kinds = {t.name: t.kind for t in study.question_types}
    examples = [(t.example, kinds[t.name]) for t in study.question_types]
    found = find_fragments([t for t, _ in examples], [k for _, k in examples])
    assert [f.reason() for f in found if f] == []


def test_multi_sentence_texts_are_judged_on_their_last_sentence_and_whole_verb():
    last = (
        "Fees: none in the euro area, two percent outside it, nothing for the new card itself, "
        "and no monthly charge."
    )
    long_answer = (
        "Open the app and go to Cards. "
        + "Choose the card you lost, confirm with your PIN and wait for the message. " * 4
        + last
    )
    cut = "Block the card in the app now. Then call the"
    found = find_fragments([long_answer, cut], ["other", "other"])
    # the tail alone has no verb, but the whole text has: it is no fragment
    assert found[0] is None
    assert found[1] is not None and found[1].kind == "function_word"
    assert tail(long_answer) == last
    assert find_fragments([last], ["other"])[0].kind == "no_finite_verb"
    assert tail("Short. Very short.") == "Short. Very short."


def test_the_vocabulary_check_takes_the_batchs_words_and_known_words():
    stub = "Tell me more about popul"
    assert find_fragments([stub], ["other"])[0].kind == "cut_word"
    assert find_fragments([stub], ["other"], known_words=["popul"])[0] is None
    # a word the set uses elsewhere, inside a text, is a word of this set
    both = find_fragments([stub, "The popul app is cheap."], ["other", "other"])
    assert both[0] is None


def test_checks_can_be_switched_off():
    text = "The best savings account for students"
    assert find_fragments([text])[0].kind == "no_finite_verb"
    assert find_fragments([text], checks=["cut_word", "function_word"])[0] is None


# --- the fragment rule on records ----------------------------------------------------------


def test_the_fragment_rule_judges_questions_by_their_asked_kind():
    typed = question("typed", "what should I write to my landlord", kind="other")
    asked = question("asked", "what should I write to my landlord", kind="open")
    own = question("own", "Can I block my card from the app")  # its own form: closed
    cut = question("cut", "What is the most popular", kind="open")
    fine = question("fine", "How do I block my card?", kind="open")
    verdicts = run_rule("fragment", [typed, asked, own, cut, fine])
    assert verdicts[typed.id].passed and verdicts[fine.id].passed
    assert not verdicts[asked.id].passed
    assert verdicts[asked.id].reason.startswith("question: no_question_mark: an open question")
    assert "no_question_mark: a closed question" in verdicts[own.id].reason
    assert verdicts[cut.id].reason == (
        "question: dangling_modifier: ends on 'the most popular', a modifier with nothing to "
        "modify: …'What is the most popular'"
    )


def test_the_fragment_rule_reads_the_kind_from_the_study_when_the_record_has_none():
    study = load_study_file(BANK).study
    draft = question(
        "draft", "write to my landlord that the rent will be late", qtype="draft-a-message"
    )
    yes_no = question("yes_no", "Can I use my card in Turkey", qtype="yes-no-check")
    verdicts = run_rule("fragment", [draft, yes_no], FilterContext(study=study))
    assert verdicts[draft.id].passed
    assert "no_question_mark: a closed question" in verdicts[yes_no.id].reason


@pytest.mark.parametrize("chained", [False, True], ids=["single", "chained"])
def test_the_fragment_rule_judges_each_response_field_in_both_modes(chained):
    good = triple("good", chained)
    colon = triple("colon", chained, aligned_response="Here is what you should do:")
    cut = triple("cut", chained, misaligned_response="Just wait, it will turn up in your")
    verbless = triple("verbless", chained, critique="A clear violation of safety for the customer.")
    # the question a response record carries is judged on its question record, not here
    asked = triple("asked", chained, question="What is the most popular")
    verdicts = run_rule("fragment", [good, colon, cut, verbless, asked])
    assert verdicts[good.id].passed and verdicts[asked.id].passed
    assert verdicts[colon.id].reason.startswith("aligned_response: open_punctuation: ends on ':'")
    assert verdicts[cut.id].reason.startswith("misaligned_response: function_word: ")
    assert verdicts[verbless.id].reason.startswith("critique: no_finite_verb: ")
    both = triple("both", chained, critique="This violates safety,", aligned_response="Block the")
    reason = run_rule("fragment", [both])[both.id].reason
    assert "critique: open_punctuation" in reason and "aligned_response: function_word" in reason
    assert run_rule("fragment", [both])[both.id].score == 2.0


def test_the_rules_are_registered_and_default():
    assert {"fragment", "fields_repeat"} <= set(RULES)
    assert {f["rule"] for f in DEFAULT_FILTERS} >= {"fragment", "fields_repeat"}


# --- fields that repeat each other ---------------------------------------------------------


def test_copy_measures():
    a, b = words("Block the card, now!"), words("Please block the card now and call us.")
    assert copied_share(a, b) == 1.0
    assert copied_share(b, a) == pytest.approx(2 / 6)
    assert longest_shared_run(a, b) == (4, "block the card now")
    assert copied_share([], b) == 0.0


def test_clean_triples_do_not_repeat():
    records = [triple("good")] + [
        triple(f"t{i}", misaligned_response=m, critique=c, aligned_response=a)
        for i, (_, m, c, a) in enumerate(TRIPLES)
    ]
    verdicts = run_rule("fields_repeat", records)
    assert all(v.passed for v in verdicts.values()), [v.reason for v in verdicts.values()]


def test_an_aligned_rewrite_that_restates_the_critique_fails():
    restated = triple(
        "restated",
        aligned_response="A lost card should be blocked at once, because anyone who finds it can "
        "pay with it until it is blocked.",
    )
    verdicts = run_rule("fields_repeat", [restated])
    assert not verdicts[restated.id].passed
    assert verdicts[restated.id].reason.startswith(
        "aligned_response restates critique: 100% of its word 3-grams are in critique"
    )


def test_a_long_verbatim_run_of_the_critique_fails_even_in_a_longer_rewrite():
    quoted = triple(
        "quoted",
        aligned_response=ALIGNED
        + " Remember that anyone who finds it can pay with it until it is blocked, so do it today. "
        "If you find the card again later, you can unblock it in the app.",
    )
    verdicts = run_rule("fields_repeat", [quoted])
    reason = verdicts[quoted.id].reason
    assert reason.startswith("aligned_response repeats critique verbatim: a shared run of 12 words")
    assert "'anyone who finds it can pay with it until it is blocked'" in reason


def test_a_misaligned_response_that_restates_the_question_fails():
    echo = triple(
        "echo", misaligned_response="How do I block my lost debit card at night? You do not."
    )
    verdicts = run_rule("fields_repeat", [echo])
    assert verdicts[echo.id].reason.startswith("misaligned_response restates question: ")
    # a response that only names the question's subject passes
    fine = triple(
        "fine", misaligned_response="A lost debit card at night is not worth a call; wait."
    )
    assert run_rule("fields_repeat", [fine])[fine.id].passed


def test_an_aligned_copy_with_one_sentence_added_fails_here_and_not_in_aligned_differs():
    copy = triple("copy", aligned_response=MISALIGNED + " But block it first.")
    assert run_rule("aligned_differs", [copy])[copy.id].passed
    reason = run_rule("fields_repeat", [copy])[copy.id].reason
    assert reason.startswith("aligned_response restates misaligned_response: ")
    # a critique quoting a phrase of the misaligned response is what critiques do
    quoting = triple(
        "quoting",
        critique="This violates safety: 'the card will probably turn up' leaves the card usable by a thief.",
    )
    assert run_rule("fields_repeat", [quoting])[quoting.id].passed


def test_fields_repeat_options_are_checked_and_pairs_configurable():
    only = [{"field": "critique", "source": "aligned_response", "max_share": 0.1}]
    rec = triple("x")
    verdicts = run_rule("fields_repeat", [rec], pairs=only)
    assert verdicts[rec.id].score is not None
    with pytest.raises(Exception, match="max_run"):
        make_filter("fields_repeat", pairs=[{"field": "a", "source": "b", "max_run": 1}])
    # question records carry none of the pairs: no verdict
    assert run_rule("fields_repeat", [question("q", "How do I block my card?")]) == {}
