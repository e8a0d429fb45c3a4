"""Copies of seeds, in-context examples and diary entries (``seed_copy``); degenerate repetition.

The seeds are the bank-assistant example's; the failure cases are what small generators do
with seeds shown in-context: hand them back verbatim, with two words changed, pasted inside a
longer answer, or reworded. Clean texts that share a topic, a few words or a quoted question
must pass.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coalign.coconstruct.diary import add_entry
from coalign.core import Record, SeedExample, SeedQuestion
from coalign.core.coconstruction import DiaryEntry
from coalign.core.errors import InputError
from coalign.store.runs import iter_records
from coalign.store.verdicts import list_verdicts
from coalign.validation import FilterContext, make_filter
from coalign.validation.metrics.copies import SourceIndex, SourceText
from coalign.validation.metrics.repetition import find_repetition
from coalign.validation.report.copies import copied_sources, copy_rates
from coalign.validation.service import validate_run
from tests.coconstruct.helpers import people

from .conftest import BANK, make_run, record

BANK_DIR = BANK.parent
SLUG = "bank-assistant"


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (BANK_DIR / name).read_text().splitlines() if line]


SEED_QUESTIONS = [SeedQuestion(**d).with_id(SLUG) for d in _jsonl("seed_questions.jsonl")]
SEED_EXAMPLES = [SeedExample(**d).with_id(SLUG) for d in _jsonl("seed_examples.jsonl")]


def seed_question(start: str) -> SeedQuestion:
    return next(s for s in SEED_QUESTIONS if s.text.startswith(start))


def seed_example(start: str) -> SeedExample:
    return next(s for s in SEED_EXAMPLES if s.question.startswith(start))


RENT = seed_question("How do I set up a monthly standing order")
DECLINED = seed_question("My card was declined at the supermarket")
PASSPORT = seed_question("I moved here from {country}")
TEXTED = seed_question("Someone texted me that my account will be closed")
LOAN = seed_example("My name is Oluwaseun Adeyemi")
OLDER = seed_example("I'm 78 and want to start using online banking")

DIARY = DiaryEntry(
    id=7,
    participant_id="p_diary",
    goal="Find out why my rent transfer bounced back",
    prompt="Why did my rent transfer to my landlord bounce back after three days?",
    response="Transfers sometimes bounce. There is nothing you can do about it, try again next month.",
    action="I called the branch instead and they found a typo in the IBAN.",
    outcome="The adviser fixed the IBAN and the rent arrived one day late.",
    values_at_stake="helpfulness, honesty",
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
    updated_at=datetime(2025, 1, 1, tzinfo=UTC),
)


@pytest.fixture
def context(embedder) -> FilterContext:
    return FilterContext(
        embedder_factory=lambda: embedder,
        seed_questions=SEED_QUESTIONS,
        seed_examples=SEED_EXAMPLES,
        diary_entries=[DIARY],
    )


def question(text: str, key: object = None, example_ids: list[str] | None = None) -> Record:
    q = record("run_c", "questions", {"question": text}, key=key or text)
    return q.model_copy(update={"example_ids": example_ids or []})


def response(aligned: str, key: object = None, parents=("q",), **changes: str) -> Record:
    data = {
        "question": "How likely am I to get a car loan of 6,000 euros?",
        "misaligned_response": "With a name like yours the bank will probably say no.",
        "critique": "This violates fairness: it judges the customer by their name.",
        "aligned_response": aligned,
    }
    data.update(changes)
    return record("run_c", "responses", data, key=key or data, parents=parents)


def judge(records, context, **options):
    f = make_filter("seed_copy", **options)
    return {v.record_id: v for v in f(records, context)}


# --- questions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "text", "seed", "measure"),
    [
        ("exact copy", RENT.text, RENT, "token containment 1.0"),
        (
            "case and punctuation changed",
            "how do i set up a monthly standing order for my rent in the app",
            RENT,
            "token containment 1.0",
        ),
        (
            "slots filled in",
            "I moved here from Nigeria last month. Can I open a savings account with only my "
            "passport and a residence permit?",
            PASSPORT,
            "token containment 1.0",
        ),
        (
            "two words changed",
            "My card was refused at the supermarket even though there is money in my account. "
            "What went wrong exactly?",
            DECLINED,
            "token containment 0.8",
        ),
        (
            "paraphrase",
            "What's the way to create a monthly standing order for my rent using the app?",
            RENT,
            "cosine 0.9",
        ),
    ],
)
def test_a_question_copying_a_seed_question_fails_naming_seed_and_measure(
    context, case, text, seed, measure
):
    q = question(text)
    v = judge([q], context)[q.id]
    assert not v.passed, case
    assert f"question: copies seed question {seed.id} (" in v.reason, v.reason
    assert shows(v.reason, measure), v.reason
    assert v.score is not None and v.score >= 0.8


def shows(reason: str, measure: str) -> bool:
    """The reason names ``measure`` ("token containment 0.8") with at least that value."""
    name, least = measure.rsplit(" ", 1)
    found = re.findall(rf"\({name} ([0-9.]+)\)", reason)
    return any(float(value) >= float(least) for value in found)


def test_words_catch_changes_in_a_long_question_and_embeddings_those_in_a_short_one(context):
    """Changing two of fifteen words near the end uncovers four of them: that is as far from
    the seed, in words, as a new question sharing "how do I … a standing order for my … in the
    app". There the embedding tells them apart (0.95 against 0.49)."""
    long_edit = question(
        "My card was rejected at the supermarket even though there is money in my bank "
        "account. What went wrong?",
        key="long",
    )
    short_edit = question(
        "How do I set up a weekly standing order for my rent on the app?", key="short"
    )
    new = question("How do I cancel a standing order for my gym membership in the app?", key="new")
    paraphrase = question(
        "In the app, how can I set up a standing order that pays my rent every month?", key="p"
    )
    records = [long_edit, short_edit, new, paraphrase]
    lexical = judge(records, context, use_embeddings=False)
    assert f"copies seed question {DECLINED.id} (token" in lexical[long_edit.id].reason
    assert shows(lexical[long_edit.id].reason, "token containment 0.8")
    assert [lexical[r.id].passed for r in records[1:]] == [True, True, True]
    assert 0.6 < lexical[new.id].score <= lexical[short_edit.id].score < 0.8
    semantic = judge(records, context)
    for copy in (short_edit, paraphrase):
        assert f"copies seed question {RENT.id} (cosine 0.9" in semantic[copy.id].reason
    assert semantic[new.id].passed


@pytest.mark.parametrize(
    "text",
    [
        # the same topic and several shared words, but a different request
        "How do I cancel a standing order for my gym membership in the app?",
        "How do I set up a weekly standing order for my child's pocket money?",
        "Why does my card get declined abroad when I travel to the US?",
        # a short phrase of a seed inside a new, longer question
        "What happens to my savings if I move abroad and keep my account open for years?",
        "Can I get a refund for a standing order I set up by mistake last week?",
    ],
)
def test_a_new_question_on_the_same_topic_passes(context, text):
    q = question(text)
    v = judge([q], context)[q.id]
    assert v.passed, v.reason
    assert v.score is not None and v.score < 0.9  # the nearest seed is still reported


# --- responses ----------------------------------------------------------------------------------

NEW_ANSWER = (
    "Whether you get the loan depends on your income, your current debts and your credit "
    "history, the same as for anyone. Tell me your monthly income and costs and I can suggest a "
    "loan amount. You can apply in the app and get an answer in minutes."
)


@pytest.mark.parametrize(
    ("case", "aligned", "measure"),
    [
        ("exact copy", LOAN.aligned_response, "token containment 1.0"),
        (
            "pasted inside a longer answer",
            "Thanks for asking, and congratulations on the new car! "
            + LOAN.aligned_response
            + " Let me know if there is anything else I can do for you today.",
            "token containment 1.0",
        ),
        (
            "two words changed",
            LOAN.aligned_response.replace("regular income", "monthly income").replace(
                "few minutes", "few hours"
            ),
            "token containment 0.9",
        ),
        (
            "light paraphrase",
            "Your chances depend on the same things we check for every applicant: your income, "
            "existing loans and repayments, and your credit history. If you tell me roughly what "
            "you earn and what you pay each month, I can estimate a realistic amount and rate. "
            "You can also start the application in the app for a non-binding answer in a few "
            "minutes, which does not affect your credit score.",
            "cosine 0.9",
        ),
    ],
)
def test_a_response_copying_a_seed_example_fails(context, case, aligned, measure):
    r = response(aligned)
    semantic = measure.startswith("cosine")
    v = judge([r], context, use_embeddings=semantic, response_cosine=0.9 if semantic else None)[
        r.id
    ]
    assert not v.passed, case
    assert f"aligned_response: copies seed example {LOAN.id} aligned_response (" in v.reason
    assert shows(v.reason, measure), v.reason


def test_a_copied_critique_is_caught_in_its_own_field(context):
    r = response(NEW_ANSWER, critique=OLDER.critique)
    v = judge([r], context)[r.id]
    assert not v.passed
    assert v.reason.startswith(f"critique: copies seed example {OLDER.id} critique (")


def test_a_new_answer_with_the_same_advice_and_a_quoted_question_passes(context):
    new = response(NEW_ANSWER, key="new")
    quoting = response(
        "You asked how likely you are to get a car loan of 6,000 euros. That depends on your "
        "income and existing repayments, not on your name. Share your monthly figures and I "
        "will estimate a rate.",
        key="quoting",
        question="How likely am I to get a car loan of 6,000 euros given my income?",
    )
    verdicts = judge([new, quoting], context)
    assert verdicts[new.id].passed, verdicts[new.id].reason
    assert verdicts[quoting.id].passed, verdicts[quoting.id].reason


def test_a_long_span_of_any_seed_text_fails_any_field_but_quoting_the_own_question_does_not(
    context,
):
    pasted = response(
        NEW_ANSWER,
        key="pasted",
        misaligned_response="Someone texted me that my account will be closed unless I click a "
        "link, so I clicked it, and you should do the same.",
    )
    own_question = TEXTED.text.replace("Is this message really from you?", "Is it real?")
    quoting = response(
        "You wrote: " + own_question + " No, it is not from us; do not click the link.",
        key="quoting",
        question=own_question,
    )
    verdicts = judge([pasted, quoting], context, use_embeddings=False)
    assert not verdicts[pasted.id].passed
    assert (
        f"misaligned_response: copies seed question {TEXTED.id} (verbatim span of 14 words)"
        in verdicts[pasted.id].reason
    )
    assert verdicts[quoting.id].passed, verdicts[quoting.id].reason


def test_a_response_records_inherited_question_is_left_to_its_own_record(context):
    child = response(NEW_ANSWER, key="child", question=RENT.text)
    orphan = response(NEW_ANSWER, key="orphan", question=RENT.text, parents=())
    verdicts = judge([child, orphan], context, use_embeddings=False)
    assert verdicts[child.id].passed
    assert f"question: copies seed question {RENT.id}" in verdicts[orphan.id].reason


# --- in-context examples and diary entries ------------------------------------------------------


def test_a_copy_of_an_in_context_example_says_so_and_in_context_mode_ignores_other_seeds(context):
    shown = question(RENT.text, key="shown", example_ids=[RENT.id, DECLINED.id])
    other = question(RENT.text, key="other", example_ids=[DECLINED.id])
    verdicts = judge([shown, other], context)
    assert f"copies in-context seed question {RENT.id}" in verdicts[shown.id].reason
    assert "in-context" not in verdicts[other.id].reason and not verdicts[other.id].passed
    only_shown = judge([shown, other], context, compare_with="in_context")
    assert not only_shown[shown.id].passed
    assert only_shown[other.id].passed


def test_reuse_of_a_diary_entry_names_the_entry(context):
    q = question("Why did my rent transfer to my landlord bounce back after three days?", key="d")
    r = response(
        "Sorry about that. I called the branch instead and they found a typo in the IBAN, so "
        "please check the IBAN you typed.",
        key="diary-action",
    )
    verdicts = judge([q, r], context, use_embeddings=False)
    assert "question: copies diary entry 7 prompt (token containment 1.0)" in verdicts[q.id].reason
    assert "copies diary entry 7 action (verbatim span of" in verdicts[r.id].reason
    without = judge([q, r], context, use_embeddings=False, diary=False)
    assert without[q.id].passed and without[r.id].passed


def test_without_seeds_the_rule_refuses_rather_than_passing_everything():
    with pytest.raises(InputError, match="needs the study's seeds"):
        make_filter("seed_copy")([question(RENT.text)], FilterContext())


def test_thresholds_and_fields_are_options(context):
    q = question(DECLINED.text.replace("supermarket", "bakery"), key="t")
    assert not judge([q], context, use_embeddings=False)[q.id].passed
    assert judge([q], context, use_embeddings=False, containment=0.99)[q.id].passed
    r = response(LOAN.aligned_response, key="f")
    assert judge([r], context, use_embeddings=False, fields=["critique"])[r.id].passed


def test_token_containment_leaves_out_words_between_slots():
    index = SourceIndex([SourceText("seed question", "s", "text", "question", PASSPORT.text)])
    filled = (
        "I moved here from Peru last month. Can I open a loan with only my passport and a "
        "residence permit?"
    )
    assert [(m.measure, m.value) for m in index.match(filled, ["question"])] == [
        ("token containment", 1.0)
    ]
    unrelated = index.match("Can I open a loan with my ID card?", ["question"])
    assert not any(m.copied for m in unrelated)


# --- through the service, with the copy rate per stage ------------------------------------------


def test_validate_run_gives_the_rule_the_studys_seeds_and_the_copy_rate_comes_per_stage(
    sqlite_store, embedder, tmp_path: Path
):
    records = [
        record("run_test", "questions", {"question": RENT.text}, key=1),
        record("run_test", "questions", {"question": RENT.text + " Thanks!"}, key=2),
        record("run_test", "questions", {"question": "How do I close my savings pot?"}, key=3),
        record("run_test", "questions", {"question": DECLINED.text}, key=4),
        record(
            "run_test",
            "responses",
            {
                "misaligned_response": "No.",
                "critique": "This violates helpfulness.",
                "aligned_response": LOAN.aligned_response,
            },
            parents=["x"],
            key=5,
        ),
    ]
    make_run(sqlite_store, records, study=BANK)
    filters = tmp_path / "filters.yaml"
    filters.write_text("- rule: seed_copy\n  use_embeddings: false\n")
    result = validate_run(sqlite_store, "run_test", filters_file=filters)
    assert result.errors == []
    assert result.failures_by_rule == {"seed_copy": 4}
    verdicts = list_verdicts(sqlite_store, "run_test", rule="seed_copy")
    rates = copy_rates(list(iter_records(sqlite_store, "run_test")), verdicts)
    by_stage = {s.stage: s for s in rates}
    assert (by_stage["questions"].checked, by_stage["questions"].copies) == (4, 3)
    assert by_stage["questions"].rate == pytest.approx(0.75)
    top = by_stage["questions"].top_sources[0]
    assert (top.kind, top.id, top.records) == ("seed question", RENT.id, 2)
    assert by_stage["responses"].rate == 1.0
    assert by_stage["responses"].top_sources[0].id == LOAN.id


def test_copied_sources_reads_every_source_a_reason_names():
    reason = (
        "question: copies in-context seed question sq_1 (token containment 0.93); "
        "aligned_response: copies seed example se_2 aligned_response (cosine 0.95); "
        "critique: copies diary entry 7 action (verbatim span of 14 words); "
        "critique: copies seed example se_2 critique (token containment 0.9)"
    )
    assert copied_sources(reason) == [
        ("seed question", "sq_1"),
        ("seed example", "se_2"),
        ("diary entry", "7"),
    ]


# --- degenerate repetition ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm sorry. " * 20, 'repeats "I\'m sorry" 20 times in a row'),
        (
            " ".join(f"I'm sorry, but I cannot do step {i} for you." for i in range(12)),
            'repeats the phrase "I\'m sorry" 12 times',
        ),
        (
            "Open the app and tap Cards. Then choose Block card. Open the app and tap Cards. "
            "You are done. Open the app and tap Cards.",
            'repeats the sentence "Open the app and tap Cards." 3 times',
        ),
        (
            "To set up a standing order, open the app and go to Payments, and then you can "
            "choose the account and then you can choose the account and then you can choose "
            "the account and then you can choose the account and then",
            'repeats "and then you can choose the account" 4 times in a row',
        ),
        ("You should ask the the the the the bank.", 'repeats "the" 5 times in a row'),
        (
            "You can go to the bank and you can go to the app, or you can go to the bank and "
            "then you can go to the app, and you can go to the branch or you can go to the bank "
            "and you can go to the app.",
            'distinct-3 is 0.4 ("You can go" occurs 7 times)',
        ),
    ],
)
def test_degenerate_repetition_fails_naming_the_phrase_and_count(text, expected):
    r = record("run_r", "responses", {"aligned_response": text}, key=text)
    v = make_filter("degenerate_repetition")([r], FilterContext())[0]
    assert not v.passed
    assert v.reason.startswith("aligned_response: ")
    assert expected in v.reason, v.reason


@pytest.mark.parametrize(
    "text",
    [
        "That is very, very important: never share your PIN, not even with us.",
        "You can pay by card. You can pay by bank transfer. You can pay in cash at a branch. "
        "You can pay by direct debit. You can pay with the app. You can pay by cheque.",
        "- Open the app.\n- Tap Payments.\n- Choose Standing order.\n- Pick the account.\n"
        "- Enter the amount.\n- Confirm with your PIN.",
        "Step 1: open the app. Step 2: tap Cards. Step 3: tap Block. Step 4: confirm. "
        "Step 5: order a new card. Step 6: wait for it to arrive.",
        "Block the card in the app. If you cannot, call the helpline. In short: block the "
        "card in the app.",
        LOAN.aligned_response,
        OLDER.aligned_response,
    ],
)
def test_normal_text_lists_and_recaps_are_not_degenerate(text):
    assert find_repetition(text) is None
    r = record("run_r", "responses", {"aligned_response": text}, key=text)
    v = make_filter("degenerate_repetition")([r], FilterContext())[0]
    assert v.passed and v.score is not None and v.score > 0.6


def test_validate_run_gives_the_rule_the_studys_diary_entries(sqlite_store, tmp_path: Path):
    (alice,) = people(sqlite_store, "alice")
    entry = add_entry(
        sqlite_store,
        alice,
        {
            "goal": "Pay my rent from abroad",
            "prompt": "How do I send my monthly rent to my landlord in Peru without high fees?",
            "response": "Just carry cash.",
        },
    )
    copy = record("run_test", "questions", {"question": entry.prompt}, key="diary")
    make_run(sqlite_store, [copy])  # the mini study, already imported with the campaign
    filters = tmp_path / "filters.yaml"
    filters.write_text("- rule: seed_copy\n  use_embeddings: false\n")
    validate_run(sqlite_store, "run_test", filters_file=filters)
    (v,) = list_verdicts(sqlite_store, "run_test", rule="seed_copy")
    assert v.reason == f"question: copies diary entry {entry.id} prompt (token containment 1.0)"
