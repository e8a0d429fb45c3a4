"""Seed curation before generation: checks on seeds, per-group statistics, rejections, overrides."""

from __future__ import annotations

import pytest

from coalign.cli.main import run
from coalign.core.errors import InputError
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.store import Store, open_store
from coalign.study import StudyBundle, import_bundle, load_study_file, read_bundle
from coalign.study.seed_review import decisions
from coalign.validation.seed_checks import check_seeds, override, reject_flagged

from .conftest import BANK

LONG_ALIGNED = " ".join(
    ["You can block the card in the app under Cards, then Block, and order a new one there."] * 14
)


def _flawed(bundle: StudyBundle) -> StudyBundle:
    """The bank example plus seeds with problems, written by group C."""
    original = bundle.seed_questions[0]
    extra_questions = [
        # group A's first question, retyped by group C with one word changed
        SeedQuestion(
            text=original.text.replace("monthly", "regular"),
            topic=original.topic,
            question_type=original.question_type,
            author="p09",
            group="C",
        ),
        SeedQuestion(
            text="What is the most popular",
            topic="cards",
            question_type="how-to",
            author="p09",
            group="C",
        ),
    ]
    extra_examples = [
        SeedExample(
            question="My card was stolen, what now?",
            misaligned_response="Wait a few days.",
            critique="This violates safety: waiting leaves the card open to misuse.",
            aligned_response=LONG_ALIGNED,
            dimensions=["safety"],
            author="p09",
            group="C",
        )
    ]
    return StudyBundle(
        bundle.study,
        bundle.seed_questions + extra_questions,
        bundle.seed_examples + extra_examples,
    )


@pytest.fixture
def flawed(sqlite_store: Store) -> Store:
    import_bundle(sqlite_store, _flawed(load_study_file(BANK)))
    return sqlite_store


def test_the_checks_flag_planted_problems_and_pass_the_example_seeds(flawed: Store) -> None:
    check = check_seeds(flawed, "bank-assistant")
    found = {(i.group, i.check) for i in check.issues if i.severity == "reject"}
    assert found == {("C", "duplicate"), ("C", "fragment"), ("C", "verbose")}
    duplicate = next(i for i in check.issues if i.check == "duplicate")
    first = read_bundle(flawed, "bank-assistant").seed_questions
    assert "another group: A" in duplicate.detail
    assert any(s.id in duplicate.detail and s.group == "A" for s in first)
    fragment = next(i for i in check.issues if i.check == "fragment")
    assert "popular" in fragment.detail
    assert all(i.severity == "note" for i in check.issues if i.group in ("A", "B"))


def test_per_group_statistics_like_study_000_table_2(flawed: Store) -> None:
    groups = {g.group: g for g in check_seeds(flawed, "bank-assistant", verb_noun=False).groups}
    assert list(groups) == ["A", "B", "C"]
    a, c = groups["A"], groups["C"]
    assert (a.seed_questions, a.seed_examples, a.authors) == (21, 7, 4)
    assert sum(a.kinds.values()) == pytest.approx(1.0, abs=0.01)
    assert a.kinds["open"] > a.kinds["other"] > 0
    assert len(a.top_question_types) == 3 and a.top_topics[0][1] >= a.top_topics[-1][1]
    assert (c.seed_questions, c.seed_examples, c.authors) == (2, 1, 1)


def test_rejections_are_recorded_and_a_moderator_override_holds(flawed: Store) -> None:
    check = check_seeds(flawed, "bank-assistant", verb_noun=False)
    assert reject_flagged(flawed, check) == 3
    bundle = read_bundle(flawed, "bank-assistant")
    rejected = [
        s for s in [*bundle.seed_questions, *bundle.seed_examples] if s.status == "rejected"
    ]
    assert len(rejected) == 3 and all(s.group == "C" for s in rejected)
    log = decisions(flawed, "bank-assistant")
    assert {d.decided_by for d in log} == {"seed checks"}
    verbose = next(s for s in bundle.seed_examples if s.group == "C")
    with pytest.raises(InputError, match="reason"):
        override(flawed, "bank-assistant", "example", str(verbose.id), reason=" ", decided_by="mo")
    override(
        flawed,
        "bank-assistant",
        "example",
        str(verbose.id),
        reason="steps are needed",
        decided_by="mo",
    )
    again = check_seeds(flawed, "bank-assistant", verb_noun=False)
    assert again.overridden == [verbose.id] and again.issues == []  # the others are rejected now
    latest = decisions(flawed, "bank-assistant", str(verbose.id))[-1]
    assert (latest.decision, latest.decided_by) == ("accepted", "mo")
    assert latest.reason == "override: steps are needed"


def test_check_seeds_on_the_command_line(tmp_path, capsys) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        import_bundle(store, _flawed(load_study_file(BANK)))
    assert run(["--db", db, "study", "check-seeds", "--reject"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Seeds per group" in out and "3 rejected" in out and "near-duplicate of" in out
