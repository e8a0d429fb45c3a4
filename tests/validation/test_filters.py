"""Each filter on hand-made records with known verdicts; configuration errors name their key."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from coalign.core.errors import InputError
from coalign.validation import (
    FilterConfigError,
    FilterContext,
    build_filters,
    default_filters,
    load_filters,
    make_filter,
    validate_records,
)
from coalign.validation.rules.checks import (
    looks_english,
    no_template_leak,
    not_refusal,
    not_truncated,
)

from .conftest import record

ALIGNED = (
    "Open the app, tap Cards and choose Block card. The block is immediate, and you can order a "
    "replacement in the same screen."
)
MISALIGNED = "Just wait a few days, the card will probably turn up again somewhere in your flat."
CRITIQUE = "This violates safety: a lost card should be blocked at once to prevent fraud."


def triple(key: str, **changes: str):
    data = {
        "question": "How do I block my lost card?",
        "misaligned_response": MISALIGNED,
        "critique": CRITIQUE,
        "aligned_response": ALIGNED,
    }
    data.update(changes)
    return record("run_f", "responses", data, {"dimension": "safety"}, key=key)


def run_rule(rule: str, records, context=None, **options):
    f = make_filter(rule, **options)
    return {v.record_id: v for v in f(records, context or FilterContext())}


@pytest.mark.parametrize(
    ("check", "text", "passed"),
    [
        (not_truncated, "This sentence ends properly.", True),
        (not_truncated, "This sentence stops in the middle of", False),
        (not_truncated, "Here is code:\n```python\nprint(1)", False),
        (partial(not_truncated, unpunctuated_ok=True), "how can i help my son save money", True),
        (partial(not_truncated, unpunctuated_ok=True), "how can i help my son save the", False),
        (partial(not_truncated, unpunctuated_ok=True), "can you help me", True),
        (not_refusal, "I'm sorry, but I can't help with that request.", False),
        (not_refusal, "As an AI language model, I have no opinion.", False),
        (not_refusal, "Sorry to hear that your card was lost; block it in the app.", True),
        (no_template_leak, "Send money to {country} today.", False),
        (no_template_leak, "<|im_start|>assistant Block the card.", False),
        (no_template_leak, "Misaligned response: you should wait.", False),
        (no_template_leak, "Block the card in the app, then call us.", True),
        (
            looks_english,
            "Para bloquear la tarjeta hay que entrar en la aplicación y elegir la opción.",
            False,
        ),
        (looks_english, "Доброе утро, как я могу заблокировать карту?", False),
        (looks_english, "To block the card, open the app and choose the option.", True),
    ],
)
def test_sensibility_checks(check, text, passed):
    assert check(text)[0] is passed


def test_each_sensibility_rule_flags_its_defect():
    good = triple("good")
    truncated = triple("truncated", aligned_response="Open the app, tap Cards and choose")
    refusal = triple("refusal", misaligned_response="I'm sorry, but I cannot help with that.")
    leak = triple("leak", aligned_response="<|im_start|>assistant\n" + ALIGNED)
    same = triple("same", aligned_response=MISALIGNED.upper())
    foreign = triple(
        "foreign",
        aligned_response="Para bloquear la tarjeta hay que abrir la aplicación y elegir la opción.",
    )
    empty = triple("empty", critique="   ")
    failed = record("run_f", "responses", {}, parse_status="failed", key="failed")
    records = [good, truncated, refusal, leak, same, foreign, empty, failed]
    expected = {
        "not_truncated": truncated,
        "not_refusal": refusal,
        "no_template_leak": leak,
        "aligned_differs": same,
        "language": foreign,
        "fields_non_empty": empty,
        "well_formed": failed,
    }
    for rule, bad in expected.items():
        verdicts = run_rule(rule, records)
        assert not verdicts[bad.id].passed, rule
        assert verdicts[bad.id].reason, rule
        assert verdicts[good.id].passed, rule
    missing = record("run_f", "responses", {"misaligned_response": MISALIGNED}, key="missing")
    reason = run_rule("fields_non_empty", [missing])[missing.id].reason
    assert "critique: missing" in reason and "aligned_response: missing" in reason


def test_an_unpunctuated_question_is_not_truncated_but_an_unpunctuated_answer_is():
    typed = triple("typed", question="how do I block my lost card")
    cut = triple("cut", question="how do I block my")
    verdicts = run_rule("not_truncated", [typed, cut])
    assert verdicts[typed.id].passed
    assert not verdicts[cut.id].passed and "stops on 'my'" in verdicts[cut.id].reason
    strict = run_rule("not_truncated", [typed], unpunctuated_ok=[])
    assert not strict[typed.id].passed and "question: ends mid-sentence" in strict[typed.id].reason


def test_length_and_verbose_limits():
    short, long = (
        triple("short", aligned_response="Block it."),
        triple("long", aligned_response=" ".join([ALIGNED] * 8)),
    )
    verdicts = run_rule(
        "length", [short, long], field="aligned_response", min_tokens=5, max_tokens=100
    )
    assert not verdicts[short.id].passed and "fewer than 5" in verdicts[short.id].reason
    assert not verdicts[long.id].passed and verdicts[long.id].score > 100
    verbose = run_rule("verbose", [short, long], max_ratio=3.0)
    assert verbose[short.id].passed and not verbose[long.id].passed


def test_too_similar_uses_the_embedding_cosine(embedder):
    near = triple("near", aligned_response=MISALIGNED.replace("Just wait", "Simply wait"))
    good = triple("good")
    context = FilterContext(embedder_factory=lambda: embedder)
    verdicts = run_rule("too_similar", [near, good], context, max_cosine=0.9)
    assert not verdicts[near.id].passed and verdicts[near.id].score >= 0.9
    assert verdicts[good.id].passed and verdicts[good.id].score < 0.9


def test_near_duplicate_filter_keeps_the_first_of_each_cluster(embedder):
    texts = [
        "How do I block my lost card?",
        "how do I block my lost card??",
        "How can I open a joint account?",
    ]
    records = [record("run_f", "questions", {"question": t}, key=i) for i, t in enumerate(texts)]
    context = FilterContext(embedder_factory=lambda: embedder)
    verdicts = run_rule("near_duplicate", records, context)
    assert [verdicts[r.id].passed for r in records] == [True, False, True]
    assert records[0].id in verdicts[records[1].id].reason
    # Response records are not compared by the default (they repeat their question on purpose).
    assert run_rule("near_duplicate", [triple("a"), triple("b")], context) == {}


def test_filter_files_report_every_problem_with_its_key(tmp_path: Path):
    path = tmp_path / "filters.yaml"
    path.write_text(
        "filters:\n"
        "  - rule: length\n    max_tokns: 3\n"
        "  - rule: nonsense\n"
        "  - rule: too_similar\n    max_cosine: 2\n"
        "  - rule: length\n"
    )
    with pytest.raises(FilterConfigError) as caught:
        load_filters(path)
    message = str(caught.value)
    assert "filters[0].max_tokns: unknown option for rule 'length'" in message
    assert "filters[1].rule: unknown rule 'nonsense'" in message
    assert "filters[2].max_cosine" in message
    assert "filters[3]" in message and "min_tokens, max_tokens or both" in message
    path.write_text("filters: [")
    with pytest.raises(FilterConfigError, match="not valid YAML"):
        load_filters(path)
    with pytest.raises(FilterConfigError, match="already used"):
        build_filters([{"rule": "verbose"}, {"rule": "verbose"}])
    with pytest.raises(FilterConfigError, match="cannot read"):
        load_filters(tmp_path / "missing.yaml")
    good = build_filters(
        {
            "filters": [
                {"rule": "length", "name": "short_questions", "field": "question", "max_tokens": 40}
            ]
        }
    )
    assert good[0].name == "short_questions" and good[0].describe()["options"]["max_tokens"] == 40


def test_a_broken_filter_does_not_lose_the_other_verdicts(embedder):
    records = [triple("a"), triple("b", aligned_response="Block it.")]
    filters = [
        make_filter("relevance"),
        make_filter("length", field="aligned_response", min_tokens=5),
    ]
    result = validate_records(records, filters, FilterContext(embedder_factory=lambda: embedder))
    assert result.errors and "needs a judge model" in result.errors[0]
    assert len(result.verdicts) == 2 and result.rejected_ids() == {records[1].id}
    with pytest.raises(InputError):
        validate_records([], filters)


def test_default_filters_run_on_clean_records_without_failures(embedder):
    records = [
        triple("a"),
        record("run_f", "questions", {"question": "How do I block my lost card?"}),
    ]
    context = FilterContext(
        embedder_factory=lambda: embedder, seed_questions=[], seed_examples=[]
    )  # the copy rule needs the seeds (here: none); the fit rules judge records with a topic
    result = validate_records(records, default_filters(), context)
    assert not result.errors
    assert result.rejected_ids() == set(), [v for v in result.verdicts if not v.passed]
