"""Seed dominance: one seed's (or one condition's) words taking over a run's outputs."""

from __future__ import annotations

from coalign.study import load_study_file
from coalign.validation.report.dominance import design_words, seed_dominance

from .conftest import BANK, record


def _bundle():
    bundle = load_study_file(BANK)
    slug = bundle.study.slug
    return (
        bundle.study,
        [s.with_id(slug) for s in bundle.seed_questions],
        [s.with_id(slug) for s in bundle.seed_examples],
    )


def _question(i: int, text: str, shown: list[str], **attributes) -> object:
    r = record("run_d", "questions", {"question": text}, {"topic": "cards", **attributes}, key=i)
    return r.model_copy(update={"example_ids": shown})


def test_a_seeds_name_everywhere_dominates_and_is_named() -> None:
    study, questions, examples = _bundle()
    loan = next(e for e in examples if "Oluwaseun" in e.question)
    others = [s.id for s in questions[:5]]
    records = [
        # the loan seed was shown in 2 of 20 prompts, yet its name is in 12 of 20 outputs
        _question(
            i, f"Can Oluwaseun get a better rate on question {i}?", [loan.id] if i < 2 else others
        )
        for i in range(12)
    ] + [_question(i, f"How do I order card number {i}?", others) for i in range(12, 20)]
    found = seed_dominance(records, study, questions, examples)
    top = found[0]
    assert (top.kind, top.source, top.word, top.dominates) == ("seed", loan.id, "oluwaseun", True)
    assert (top.prompt_share, top.output_share, top.ratio) == (0.1, 0.6, 6.0)
    assert not any(d.dominates for d in found[1:])


def test_words_the_task_asks_for_and_balanced_conditions_do_not_dominate() -> None:
    study, questions, examples = _bundle()
    assert "mortgage" in design_words(study) or "mortgages" in design_words(study)
    records = [
        _question(
            i,
            f"Which mortgage suits someone from {country}?",
            [questions[i % 5].id],
            entities={"country": country},
        )
        for i, country in enumerate(["Kenya", "Peru", "Poland", "Vietnam"] * 5)
    ]
    assert not any(d.dominates for d in seed_dominance(records, study, questions, examples))


def test_one_entity_value_and_one_persona_taking_over() -> None:
    study, questions, examples = _bundle()
    recipe = {
        "stages": {
            "questions": {
                "personas": [
                    {"name": "farmer", "text": "a dairy farmer with a herd of cattle"},
                    {"name": "student", "text": "a first-year student in a shared flat"},
                ]
            }
        }
    }
    records = [
        _question(
            i,
            f"As a dairy farmer from Kenya, can I borrow against my cattle ({i})?",
            [],
            entities={"country": "Kenya" if i < 2 else "Peru"},
            persona="farmer" if i < 2 else "student",
        )
        for i in range(10)
    ]
    found = {
        (d.kind, d.source): d
        for d in seed_dominance(records, study, questions, examples, recipe=recipe)
    }
    assert found[("entity", "kenya")].dominates and found[("entity", "kenya")].ratio == 5.0
    assert found[("persona", "farmer")].dominates
    assert ("entity", "peru") not in found  # shown in 8 prompts, never in an output
