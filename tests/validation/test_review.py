"""Human validation: stratified samples, reviewer decisions as verdicts, kappa and confusion."""

from __future__ import annotations

import pytest

from coalign.core import Verdict
from coalign.core.errors import InputError, NotFoundError
from coalign.store.verdicts import accepted_records, list_verdicts, save_verdicts
from coalign.validation.review import (
    agreement,
    automatic_decision,
    cohen_kappa,
    draw_sample,
    record_review,
    reviewed_ids,
    stratified_sample,
)

from .conftest import bank_records, make_run, record


def test_cohen_kappa_known_values():
    # 20 decisions: 15 agree; rows (human) 10/10, columns (automatic) 11/9 → p_e = 0.5, kappa = 0.5.
    table = {"accept": {"accept": 8, "reject": 2}, "reject": {"accept": 3, "reject": 7}}
    observed, kappa = cohen_kappa(table)
    assert observed == pytest.approx(0.75) and kappa == pytest.approx(0.5)
    assert cohen_kappa(
        {"accept": {"accept": 4, "reject": 0}, "reject": {"accept": 0, "reject": 0}}
    ) == (1.0, None)
    assert cohen_kappa({}) == (None, None)


def test_stratified_sample_covers_every_stratum_and_oversamples_rare_and_borderline():
    records = [
        record(
            "r", "questions", {"question": f"q{i}"}, {"topic": t, "question_type": "how-to"}, key=i
        )
        for i, t in enumerate(["savings"] * 400 + ["cards"] * 96 + ["fraud"] * 4)
    ]
    failing = {records[0].id: 1, records[1].id: 1, records[2].id: 3}  # 2 borderline, 1 rejected
    sample = stratified_sample(records, failing, 20, seed=3)
    assert len(sample) == 20 and len({r.id for r in sample}) == 20
    topics = [r.attributes["topic"] for r in sample]
    # square-root shares (strata of 397, 96, 4, 2 and 1): 11.7, 5.7, 1.2, 0.8 and 0.6 places
    # (with at least one each), where shares in proportion would give 15.9, 3.8, 0.2, 0.1, 0.0
    accepted_savings = [
        r for r in sample if r.id not in failing and topics[sample.index(r)] == "savings"
    ]
    assert len(accepted_savings) in (11, 12) and topics.count("cards") in (5, 6)
    assert topics.count("fraud") >= 1  # 4 of 500 records: 0.16 places in proportion
    chosen = {r.id for r in sample}
    assert records[2].id in chosen and chosen & {records[0].id, records[1].id}  # 3 of 500
    assert automatic_decision(0) == "accepted" and automatic_decision(1) == "borderline"
    assert automatic_decision(2) == "rejected"
    assert stratified_sample(records, failing, 20, seed=3) == sample  # same seed, same sample
    assert len(stratified_sample(records[:4], {}, 10)) == 4
    with pytest.raises(InputError):
        stratified_sample(records, {}, 0)


def test_review_decisions_agreement_and_the_accepted_set(store):
    records = bank_records()
    make_run(store, records)
    parsed = [r for r in records if r.parse_status == "ok"]
    # The automatic verdicts: the first two records fail a rule.
    save_verdicts(
        store,
        "run_test",
        [
            Verdict(record_id=r.id, rule="length", passed=i >= 2, judge="rule")
            for i, r in enumerate(parsed)
        ],
    )
    sample = draw_sample(store, "run_test", 6, seed=1)
    assert len(sample) == 6 and all(r.parse_status == "ok" for r in sample)
    record_review(
        store,
        "run_test",
        parsed[0].id,
        accept=False,
        note="answers a different question",
        reviewer="ana",
    )
    record_review(store, "run_test", parsed[1].id, accept=True, reviewer="ana")
    record_review(store, "run_test", parsed[2].id[:12], accept=True, reviewer="ana")
    record_review(store, "run_test", parsed[3].id, accept=False, note="misleading", reviewer="ana")
    record_review(store, "run_test", parsed[3].id, accept=False, note="misleading", reviewer="ben")
    assert reviewed_ids(store, "run_test", "ana") == {r.id for r in parsed[:4]}
    a = agreement(store, "run_test")
    assert a.n == 5
    assert a.confusion == {
        "accept": {"accept": 1, "reject": 1},
        "reject": {"accept": 2, "reject": 1},
    }
    assert a.observed == pytest.approx(2 / 5)
    assert {(d[0], d[1]) for d in a.disagreements} == {
        (parsed[1].id, "ana"),
        (parsed[3].id, "ana"),
        (parsed[3].id, "ben"),
    }
    (pair,) = a.between_reviewers  # ana and ben both decided parsed[3]: both rejected it
    assert (pair.first, pair.second, pair.n, pair.observed) == ("ana", "ben", 1, 1.0)
    record_review(store, "run_test", parsed[0].id, accept=True, reviewer="ben")
    (pair,) = agreement(store, "run_test").between_reviewers
    assert pair.n == 2 and pair.confusion["reject"] == {"accept": 1, "reject": 1}
    # A reviewer who changes their mind supersedes their own verdict only.
    record_review(store, "run_test", parsed[3].id, accept=True, reviewer="ana")
    assert len(list_verdicts(store, "run_test", record_id=parsed[3].id)) == 3  # length, ana, ben
    # A human reject removes the record from the accepted set.
    accepted = {r.id for r in accepted_records(store, "run_test")}
    assert parsed[3].id not in accepted and parsed[2].id in accepted


def test_review_bad_input(store):
    records = bank_records()
    make_run(store, records)
    with pytest.raises(InputError, match="note"):
        record_review(store, "run_test", records[0].id, accept=False, note=" ")
    with pytest.raises(NotFoundError):
        record_review(store, "run_test", "rec_doesnotexist", accept=True)
    with pytest.raises(InputError, match="reviewer"):
        record_review(store, "run_test", records[0].id, accept=True, reviewer="a:b")
    make_run(store, [], run_id="run_empty")
    with pytest.raises(InputError, match="no parsed records"):
        draw_sample(store, "run_empty")
