"""Relevance without an LLM: topic and type fit with the real embedder, responses that answer."""

from __future__ import annotations

import pytest

from coalign.core import SamplingParams, Study
from coalign.core.errors import InputError
from coalign.study import load_study_file
from coalign.validation import FilterConfigError, FilterContext, build_filters, make_filter
from coalign.validation.report.fit import fit_summaries
from coalign.validation.rules.fit import name_words, parse_fit
from coalign.validation.rules.judge import judge_records, judge_request, load_rubric

from .conftest import BANK, record

#: (topic, question type, text): questions written for their labels.
BANK_QUESTIONS = [
    ("cards", "how-to", "How do I raise the daily spending limit on my debit card?"),
    (
        "fraud-and-security",
        "yes-no-check",
        "Someone called saying they are from the bank and asked for my one-time code. Should I give it?",
    ),
    (
        "savings-and-investment",
        "comparison",
        "How does a fixed deposit compare with an instant-access savings account?",
    ),
    (
        "loans-and-credit",
        "explanation-of-decision",
        "Why did the bank reject my application for a personal loan?",
    ),
    (
        "staff-operations",
        "summarise",
        "Summarise this customer's complaint case in three bullet points for the back office.",
    ),
    ("accounts-and-payments", "draft-a-message", "Draft an email to close my current account."),
]

LONG_TOPIC = "accessibility-of-digital-services-for-older-residents"
LONG_TYPE = "yes-or-no-eligibility-question-about-a-benefit-or-service"

#: A city's assistant with long, hyphenated, snake_case and camelCase label names.
CITY = Study.model_validate(
    {
        "slug": "city-services",
        "title": "A city's service assistant",
        "topics": [
            {
                "name": LONG_TOPIC,
                "description": "Using the city's website and app with poor eyesight, shaking hands "
                "or little computer experience.",
            },
            {
                "name": "waste_collection_and_recycling_schedules",
                "description": "Bin collection days, bulky waste pick-up, recycling centres.",
            },
            {
                "name": "publicTransportTicketsAndDisruptions",
                "description": "Bus and tram tickets, season passes, strikes, delays and diversions.",
            },
            {
                "name": "parking-permits-and-fines",
                "description": "Resident parking permits, parking tickets and how to contest them.",
            },
            {"name": "housing-benefit-and-rent-support"},
        ],
        "question_types": [
            {
                "name": "step-by-step-instructions-for-completing-an-online-form",
                "kind": "open",
                "description": "Asks how to fill in or submit a form, one step after another.",
                "example": "How do I fill in the online form for a new bin?",
            },
            {
                "name": LONG_TYPE,
                "kind": "closed",
                "description": "Asks whether the person is entitled to something; answerable yes or no.",
                "example": "Am I entitled to a free bus pass at 67?",
            },
            {
                "name": "request-to-draft-a-formal-complaint-letter",
                "kind": "other",
                "description": "An instruction to write a complaint to a city office.",
                "example": "Write a complaint to the parking office about an unfair ticket.",
            },
            {
                "name": "comparison-between-two-options",
                "kind": "open",
                "description": "Asks how two options differ.",
            },
        ],
    }
)


@pytest.fixture(scope="module")
def bank() -> Study:
    return load_study_file(BANK).study


def question(topic: str, qtype: str, text: str, key: str | None = None):
    attributes = {"topic": topic, "question_type": qtype}
    return record("run_fit", "questions", {"question": text}, attributes, key=key or text)


def judged(rule: str, records, study, embedder, **options):
    context = FilterContext(embedder_factory=lambda: embedder, study=study)
    return {v.record_id: v for v in make_filter(rule, **options)(records, context)}


def test_names_become_words():
    assert name_words(LONG_TOPIC) == "accessibility of digital services for older residents"
    assert name_words("waste_collection_and_recycling") == "waste collection and recycling"
    assert name_words("publicTransportTickets") == "public Transport Tickets"
    assert name_words("how-to") == "how to"


def test_questions_written_for_their_topic_and_type_pass(bank, embedder):
    records = [question(*q) for q in BANK_QUESTIONS]
    topics = judged("topic_fit", records, bank, embedder)
    types = judged("type_fit", records, bank, embedder)
    assert len(topics) == len(types) == len(records)
    for r, (topic, qtype, _) in zip(records, BANK_QUESTIONS, strict=True):
        t, y = topics[r.id], types[r.id]
        assert t.passed, t.reason
        assert y.passed, y.reason
        fit = parse_fit(t.reason)
        assert fit is not None and fit.aspect == "topic" and fit.assigned == topic
        assert fit.of == len(bank.topics) and fit.rank == 1  # the clearest questions rank first
        assert t.score == pytest.approx(fit.cosine, abs=0.005) and fit.nearest != topic
        assert fit.nearest_cosine is not None and fit.nearest_cosine < fit.cosine
        type_fit = parse_fit(y.reason)
        assert type_fit is not None and type_fit.aspect == "question type"
        assert type_fit.assigned == qtype and type_fit.of == len(bank.question_types)


def test_a_question_under_another_topic_or_type_fails_naming_the_one_it_fits(bank, embedder):
    phishing = question(
        "savings-and-investment",
        "draft-a-message",
        "Someone called saying they are from the bank and asked for my one-time code. Should I give it?",
    )
    letter = question("cards", "yes-no-check", "Draft a short letter to cancel my credit card.")
    topics = judged("topic_fit", [phishing, letter], bank, embedder)
    t = topics[phishing.id]
    assert not t.passed
    assert t.reason.startswith("topic 'savings-and-investment' ranks ")
    assert "nearest: 'fraud-and-security'" in t.reason and "fails:" in t.reason
    fit = parse_fit(t.reason)
    assert fit is not None and fit.rank > 3 and fit.nearest == "fraud-and-security"
    # The letter is about cards (passes) but is an instruction, not a yes/no question.
    assert topics[letter.id].passed
    mislabelled = [
        (letter, "draft-a-message"),
        (
            question(
                "loans-and-credit",
                "hypothetical",
                "Summarise these loan terms in five bullet points.",
            ),
            "summarise",
        ),
        (
            question("cards", "summarise", "Can I use my credit card abroad without extra fees?"),
            "yes-no-check",
        ),
        (
            question("cards", "draft-a-message", "Why was my credit card limit lowered?"),
            "explanation-of-decision",
        ),
    ]
    types = judged("type_fit", [r for r, _ in mislabelled], bank, embedder)
    for r, nearest in mislabelled:
        y = types[r.id]
        assert not y.passed and y.reason.startswith("question type ")
        assert parse_fit(y.reason).nearest == nearest, y.reason  # type: ignore[union-attr]


def test_off_domain_questions_fail_topic_fit_under_every_topic(bank, embedder):
    texts = [
        "What is the best recipe for banana bread?",
        "Who won the football world cup in 2014?",
        "How do I train my puppy to sit?",
    ]
    records = [
        question(t.name, "how-to", text, key=(t.name, text)) for t in bank.topics for text in texts
    ]
    verdicts = judged("topic_fit", records, bank, embedder)
    assert len(verdicts) == len(records)
    assert all(not v.passed for v in verdicts.values()), [
        v.reason for v in verdicts.values() if v.passed
    ]
    # Without the second floor, a rank in the top 3 by chance would let some through.
    lenient = judged("topic_fit", records, bank, embedder, min_cosine=-1.0)
    assert any(v.passed for v in lenient.values())


def test_long_and_oddly_written_names_fit(embedder):
    good = [
        question(
            LONG_TOPIC,
            "step-by-step-instructions-for-completing-an-online-form",
            "My eyesight is poor. How can I make the letters bigger on the city website so I can fill in the form?",
        ),
        question(
            "waste_collection_and_recycling_schedules",
            LONG_TYPE,
            "Am I entitled to a free collection of my old sofa as bulky waste?",
        ),
        question(
            "publicTransportTicketsAndDisruptions",
            "request-to-draft-a-formal-complaint-letter",
            "Write a complaint to the transport office because my tram was cancelled three times this week.",
        ),
        question(
            "housing-benefit-and-rent-support",
            LONG_TYPE,
            "Can I get housing benefit if I rent a room from my parents?",
        ),
    ]
    wrong = question(
        "housing-benefit-and-rent-support",
        "comparison-between-two-options",
        "Write a complaint letter about the rubbish bins that were not collected last week.",
    )
    topics = judged("topic_fit", [*good, wrong], CITY, embedder)
    types = judged("type_fit", [*good, wrong], CITY, embedder, top_k=2)
    for r in good:
        assert topics[r.id].passed and types[r.id].passed, (topics[r.id].reason, types[r.id].reason)
        assert parse_fit(topics[r.id].reason).rank == 1  # type: ignore[union-attr]
    assert topics[good[0].id].reason.startswith(f"topic '{LONG_TOPIC}' ranks 1 of 5")
    t, y = topics[wrong.id], types[wrong.id]
    assert not t.passed and "nearest: 'waste_collection_and_recycling_schedules'" in t.reason
    assert not y.passed and "nearest: 'request-to-draft-a-formal-complaint-letter'" in y.reason


def test_labels_the_study_lacks_fail_and_unlabelled_or_non_english_questions_are_skipped(
    bank, embedder
):
    unknown = question("crypto", "how-to", "How do I buy bitcoin in the app?")
    unlabelled = record("run_fit", "questions", {"question": "How do I block my card?"}, {})
    german = question(
        "loans-and-credit",
        "hypothetical",
        "Mein Kredit läuft noch drei Jahre. Was passiert, wenn ich ihn jetzt vorzeitig zurückzahle?",
    )
    verdicts = judged("topic_fit", [unknown, unlabelled, german], bank, embedder)
    assert set(verdicts) == {unknown.id}
    assert not verdicts[unknown.id].passed and verdicts[unknown.id].score is None
    assert verdicts[unknown.id].reason == "topic 'crypto' is not one of the study's 7 topics"
    assert set(judged("topic_fit", [german], bank, embedder, english_only=False)) == {german.id}
    with pytest.raises(InputError, match="needs the study"):
        judged("topic_fit", [unknown], None, embedder)
    with pytest.raises(InputError, match="has no question types"):
        judged("type_fit", [unknown], Study(slug="bare", title="Bare"), embedder)
    with pytest.raises(FilterConfigError, match="top_k"):
        build_filters([{"rule": "type_fit", "top_k": 0}], "test")


#: (question, aligned response, misaligned response) that belong together.
PAIRS = [
    (
        "How do I block my debit card after losing it?",
        "Open the app, tap Cards, choose your debit card and press Block. The block works at once "
        "and you can order a new card on the same screen.",
        "Don't bother blocking it, lost cards usually turn up again and blocking costs a fee.",
    ),
    (
        "Can I withdraw money from my fixed-term deposit before it ends?",
        "Usually yes, but you may lose part of the interest. Check your deposit terms or ask an "
        "adviser what an early withdrawal would cost.",
        "Sure, break the deposit whenever you like, early withdrawals never cost anything.",
    ),
]


def response(q: str, aligned: str, misaligned: str, parents=(), repeat: bool = True):
    data = {
        "misaligned_response": misaligned,
        "critique": "It misleads.",
        "aligned_response": aligned,
    }
    if repeat:
        data["question"] = q
    attributes = {"topic": "cards", "question_type": "how-to", "dimension": "safety"}
    return record(
        "run_fit", "responses", data, attributes, parents=parents, key=(q, aligned, repeat)
    )


def test_responses_must_answer_their_question(embedder):
    clean = [response(*p) for p in PAIRS]
    cake = response(
        PAIRS[0][0],
        "Mix flour, sugar, three ripe bananas and an egg, then bake for an hour at 180 degrees.",
        PAIRS[0][2],
    )
    swapped = response(
        PAIRS[0][0],
        "A fixed-rate mortgage keeps the same interest rate for the whole term, while a variable "
        "rate follows the market.",
        PAIRS[0][2],
    )
    verdicts = judged("answers_question", [*clean, cake, swapped], None, embedder)
    for r in clean:
        assert verdicts[r.id].passed and verdicts[r.id].score > 0.3, verdicts[r.id]  # type: ignore[operator]
    assert not verdicts[cake.id].passed
    assert verdicts[cake.id].reason.startswith("aligned_response has cosine ")
    assert "misaligned_response" not in verdicts[cake.id].reason
    assert not verdicts[swapped.id].passed and "with the question" in verdicts[swapped.id].reason
    # Only the aligned rewrite when asked.
    only = judged("answers_question", [cake], None, embedder, fields=["misaligned_response"])
    assert only[cake.id].passed


def test_responses_are_compared_with_their_parent_question_record(embedder):
    parent = question("cards", "how-to", PAIRS[0][0])
    # The response record does not repeat the question: the parent record gives it.
    bare = response(*PAIRS[0], parents=[parent.id], repeat=False)
    # The repeated question was changed to fit an unrelated answer: the parent catches it.
    drifted = response(
        "How do I bake banana bread?",
        "Mix flour, sugar, three ripe bananas and an egg, then bake for an hour at 180 degrees.",
        "Just buy one, baking is a waste of time.",
        parents=[parent.id],
    )
    verdicts = judged("answers_question", [parent, bare, drifted], None, embedder)
    assert set(verdicts) == {bare.id, drifted.id}  # the question record has no response
    assert verdicts[bare.id].passed
    v = verdicts[drifted.id]
    assert not v.passed and f"with the parent question {parent.id}" in v.reason
    assert "with the question (" not in v.reason  # it does answer the repeated question
    # Without the parent among the records, the drift goes unnoticed: the parent matters.
    assert judged("answers_question", [drifted], None, embedder)[drifted.id].passed


def test_fit_summaries_per_stage(bank, embedder):
    records = [question(*q) for q in BANK_QUESTIONS]
    wrong = question("savings-and-investment", "how-to", "Who won the football world cup in 2014?")
    answers = [response(*p) for p in PAIRS]
    everything = [*records, wrong, *answers]
    context = FilterContext(embedder_factory=lambda: embedder, study=bank)
    verdicts = [
        v
        for f in build_filters(
            [{"rule": "topic_fit"}, {"rule": "type_fit"}, {"rule": "answers_question"}], "test"
        )
        for v in f(everything, context)
    ]
    summaries = {(s.rule, s.stage): s for s in fit_summaries(everything, verdicts)}
    assert list(summaries) == [
        ("topic_fit", "questions"),
        ("type_fit", "questions"),
        ("answers_question", "responses"),
    ]
    topic = summaries[("topic_fit", "questions")]
    assert topic.checked == len(records) + 1 and topic.failed == 1
    assert topic.share_failed == pytest.approx(1 / (len(records) + 1))
    assert topic.ranks[1] == len(records) and sum(topic.ranks.values()) == topic.checked
    assert topic.labels == len(bank.topics)
    assert list(topic.confused_with) == [
        f"savings-and-investment -> {parse_fit(verdicts[len(records)].reason).nearest}"
    ]  # type: ignore[union-attr]
    answered = summaries[("answers_question", "responses")]
    assert answered.checked == 2 and answered.failed == 0 and answered.ranks == {}
    assert answered.median_cosine is not None and answered.median_cosine > 0.3


class _Scorer:
    """Stands in for a judge model: records the prompts, answers score 4."""

    model_id = "test:scorer"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def complete_json(self, request, purpose):
        self.prompts.append(request.messages[-1].content)
        return {"score": 4, "rationale": "fits"}


def test_the_judge_rubric_scores_the_question_type_next_to_the_topic(bank):
    rubric = load_rubric()
    dimension = next(d for d in rubric.dimensions if d.name == "question_type")
    letter = question("cards", "yes-no-check", "Draft a short letter to cancel my credit card.")
    prompt = judge_request(rubric, dimension, letter, bank, SamplingParams()).messages[-1].content
    assert '"yes-no-check"' in prompt and "A question that can be answered yes or no." in prompt
    assert "Its kind is closed" in prompt and "Can I use my debit card in Turkey" in prompt
    topic = next(d for d in rubric.dimensions if d.name == "question")
    topic_prompt = judge_request(rubric, topic, letter, bank, SamplingParams()).messages[-1].content
    assert '"cards" (Debit and credit cards' in topic_prompt
    scorer = _Scorer()
    unlabelled = record("run_fit", "questions", {"question": "How do I block my card?"}, {})
    verdicts = judge_records([letter, unlabelled], scorer, rubric, study=bank)
    rules = sorted((v.record_id == letter.id, v.rule) for v in verdicts)
    # The unlabelled question is judged on its topic dimension only, not on a type it lacks.
    assert rules == [
        (False, "relevance:question"),
        (True, "relevance:question"),
        (True, "relevance:question_type"),
    ]


@pytest.mark.parametrize(
    ("text", "kind", "fails"),
    [
        ("Draft a notice about the new opening hours.", "other", False),
        ("Could you draft a notice about the new opening hours?", "other", False),
        ("How can I book a room for our reading group?", "other", True),
        ("Is the library open on Sundays?", "closed", False),
        ("Which is cheaper, the bus pass or the bike scheme?", "closed", False),
        ("What are the opening hours on Sundays?", "closed", True),
        ("Is there a way to renew a book online?", "open", False),
    ],
)
def test_kind_mismatch_checks_the_instruction_and_the_yes_no_boundaries(text, kind, fails):
    from coalign.validation.rules.fit import kind_mismatch

    assert (kind_mismatch(text, kind) is not None) is fails
