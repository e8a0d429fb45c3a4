"""``coalign demo``: the main job on the embedded defaults, end to end, in a fresh database.

The demo imports the example study, asks the embedded model a few of its seed questions under
the study's system prompt, runs the example's two-stage generation recipe at a small size,
validates the run and writes its report, exports the accepted records with their dataset card,
and summarises what was stored. Later stages of the flow add their steps here.

The other shipped examples each run through the flow of their reference study instead
(:func:`run_example_demo`): ``datathon`` a two-session seed workshop (:mod:`.datathon`),
``calma`` familiarize, interact, reflect and discuss in two groups (:mod:`.calma`), ``diary``
misalignment diaries and a group phase (:mod:`.diary`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coalign.core.calls import SamplingParams
from coalign.core.campaigns import AttentionCheck, Campaign, ImportedItem, ItemQuestion
from coalign.core.errors import InputError
from coalign.demo.calma import run_calma
from coalign.demo.datathon import run_datathon
from coalign.demo.diary import run_diary
from coalign.demo.steps import ExampleDemo, Progress, example_file
from coalign.export.service import ExportResult
from coalign.export.writers import MissingExportExtraError
from coalign.llm import Model, load_model
from coalign.llm.probe import check_model
from coalign.participation.access import create_invites
from coalign.participation.accounts import create_account
from coalign.rating.campaigns import create_campaign
from coalign.store import Store, open_store
from coalign.store.calls import CallStats, call_stats
from coalign.store.seeds import list_seed_examples
from coalign.store.studies import get_study, study_counts
from coalign.study import import_study
from coalign.synth import RunSummary, generate
from coalign.validation.service import RunValidation

DEMO_DIR = Path("coalign-demo")
#: The default example, which :func:`run_demo` runs.
DEFAULT_EXAMPLE = "bank-assistant"
#: The other shipped examples and the flow each runs through.
EXAMPLE_FLOWS: dict[str, Callable[[Store, str, Model, ExampleDemo, Progress], None]] = {
    "datathon": run_datathon,
    "calma": run_calma,
    "diary": run_diary,
}
#: Every shipped example a demo can run by name.
EXAMPLE_NAMES = [DEFAULT_EXAMPLE, *EXAMPLE_FLOWS]


def example_study_file(name: str = "study.yaml") -> Path:
    """A file of the bundled example (``study.yaml``, ``recipe.yaml``): in the source checkout beside
    the package, or under the cwd."""
    return example_file(DEFAULT_EXAMPLE, name)


def fresh_database(out: Path) -> Path:
    """``out``'s database file, removed first (with its WAL files) so each demo starts empty."""
    out.mkdir(parents=True, exist_ok=True)
    db = out / "coalign.db"
    for stale in (db, db.with_name("coalign.db-wal"), db.with_name("coalign.db-shm")):
        stale.unlink(missing_ok=True)
    return db


@dataclass
class DemoSummary:
    """What the demo did, for printing."""

    db_url: str
    study_slug: str
    study_title: str
    counts: dict[str, int]
    answers: list[tuple[str, str]] = field(default_factory=list)
    calls: CallStats | None = None
    model_id: str = ""
    generation: RunSummary | None = None
    validation: RunValidation | None = None
    report: Path | None = None
    report_note: str | None = None
    export: ExportResult | None = None
    export_note: str | None = None


def run_demo(
    out: Path = DEMO_DIR,
    *,
    study_file: Path | None = None,
    model: str | None = None,
    questions: int = 3,
    generate_questions: int = 4,
    progress: Progress = lambda _: None,
) -> DemoSummary:
    """Run the demo into ``out`` (its database is recreated each time).

    Args:
        out: folder for the demo's database and files.
        study_file: a study YAML file; default the bundled example.
        model: a model string; default the embedded model.
        questions: how many seed questions to put to the model.
        generate_questions: how many questions the example recipe generates (each then gets a
            misaligned response, critique and rewrite); 0 skips generation. Only with the example study.
        progress: called with a short line before each step.
    """
    db = fresh_database(out)
    progress(f"creating {db}")
    with open_store(str(db)) as store:
        progress("importing the example study")
        bundle = import_study(store, study_file or example_study_file())
        study = bundle.study
        progress("checking that the model answers (in a child process, so a crash is reported)")
        check_model(model)
        progress("loading the model")
        llm = load_model(model, log=store)
        summary = DemoSummary(
            db_url=store.display_url,
            study_slug=study.slug,
            study_title=study.title,
            counts=study_counts(store, study.slug),
            model_id=llm.model_id,
        )
        params = SamplingParams(temperature=0.7, max_tokens=96, seed=7)
        # Questions with entity slots ({country}) are filled in by generation, not asked raw.
        plain = [seed for seed in bundle.seed_questions if "{" not in seed.text]
        for seed in plain[:questions]:
            progress(f"asking: {seed.text}")
            answer = llm.ask(
                seed.text, system=study.system_prompt or None, params=params, purpose="demo"
            )
            text = answer.text.strip()
            if answer.truncated:
                text += f" […cut off at {params.max_tokens} tokens]"
            summary.answers.append((seed.text, text))
        if generate_questions and study_file is None:
            progress(
                f"generating {generate_questions} questions and their responses (example recipe)"
            )
            summary.generation = generate(
                store, example_study_file("recipe.yaml"), model=model, limit=generate_questions
            )
            progress("validating the run and writing its propagation report")
            summary.validation, summary.report, summary.report_note = validate_and_report(
                store, summary.generation.run.id, out / "report"
            )
            progress("exporting the accepted records with their dataset card")
            report_json = summary.report.with_name("report.json") if summary.report else None
            summary.export, summary.export_note = export_accepted(
                store, summary.generation.run.id, out / "dataset", propagation_report=report_json
            )
        summary.calls = call_stats(store)
    return summary


def run_example_demo(
    example: str,
    out: Path = DEMO_DIR,
    *,
    model: str | None = None,
    progress: Progress = lambda _: None,
) -> ExampleDemo:
    """Import shipped example ``example`` into a fresh database in ``out`` and run it through
    the flow of its reference study, with simulated participants and the embedded model.

    Args:
        example: ``datathon``, ``calma`` or ``diary`` (see :data:`EXAMPLE_FLOWS`).
        model: a model string; default the embedded model.
        progress: called with a short line before and after each step.

    Raises:
        InputError: an unknown example name.
    """
    flow = EXAMPLE_FLOWS.get(example)
    if flow is None:
        raise InputError(
            f"no example study called {example!r}; the shipped ones are {', '.join(EXAMPLE_NAMES)}"
        )
    db = fresh_database(out)
    progress(f"creating {db}")
    with open_store(str(db)) as store:
        study = import_study(store, example_file(example)).study
        demo = ExampleDemo(example, store.display_url, study.slug, study.title)
        demo.step("import", f"examples/{example}/study.yaml as study {study.slug}", progress)
        progress("checking that the model answers (in a child process, so a crash is reported)")
        check_model(model)
        progress("loading the model")
        llm = load_model(model, log=store)
        demo.model_id = llm.model_id
        flow(store, study.slug, llm, demo, progress)
        demo.calls = call_stats(store)
    return demo


def validate_and_report(
    store: Store, run_id: str, folder: Path
) -> tuple[RunValidation, Path | None, str | None]:
    """Validate a run with the default filters, then write its report into ``folder``.

    Returns the validation, the report's path (``None`` when no record parsed, which the tiny
    embedded model can cause), and why there is no report.
    """
    from coalign.validation.report import report_run
    from coalign.validation.service import validate_run

    validation = validate_run(store, run_id)
    try:
        _, html_path, _ = report_run(store, run_id, folder)
    except InputError as exc:
        return validation, None, str(exc)
    return validation, html_path, None


def export_accepted(
    store: Store, run_id: str, folder: Path, *, propagation_report: Path | None = None
) -> tuple[ExportResult | None, str | None]:
    """Export a run's accepted records (mitigator, SFT, DPO, KTO) with card and Croissant into ``folder``.

    Args:
        propagation_report: the run's ``report.json``, whose seed → synthetic figures go on the card.

    When every record was rejected (the tiny embedded model often writes truncated answers)
    the folder is still written: its card shows the rejection reasons.

    Returns the result, or ``None`` and why nothing was exported (e.g. the export extra is not
    installed).
    """
    from coalign.export import ExportOptions, export_dataset

    try:
        options = ExportOptions(
            formats=["mitigator", "sft", "dpo", "kto"],
            overwrite=True,
            allow_empty=True,
            propagation_report=propagation_report,
        )
        return export_dataset(store, run_id, folder, options), None
    except (InputError, MissingExportExtraError) as exc:
        return None, str(exc)


@dataclass
class WebDemo:
    """What ``coalign demo --serve`` prints: a facilitator login and participant links (paths)."""

    username: str
    password: str
    campaign_id: int
    crowd_path: str
    invite_path: str


def prepare_web_demo(store: Store, study_slug: str) -> WebDemo:
    """Add a small rating campaign and an admin account to a demo database.

    The campaign's items are the study's seed examples (each question with its misaligned and
    its aligned response), rated on every dimension of the study, with one attention check and
    one yes/no question per item. The admin password is random and shown only once.
    """
    study = get_study(store, study_slug)
    items = [
        ImportedItem(prompt=e.question, response=getattr(e, field), source=f"seed:{e.id}/{field}")
        for e in list_seed_examples(store, study_slug)
        for field in ("misaligned_response", "aligned_response")
    ]
    campaign = Campaign(
        slug="demo-ratings",
        study_slug=study_slug,
        title=f"{study.title}: rate the assistant's answers",
        title_translations={
            language: f"{texts.title}: Bewerten Sie die Antworten des Assistenten"
            for language, texts in study.translations.items()
            if language == "de" and texts.title
        },
        dimensions=[d.name for d in study.dimensions],
        items_per_participant=4,
        target_ratings=3,
        attention_positions=[3],
        attention_checks=[
            AttentionCheck(
                prompt="How do I see my account balance?",
                response="This is an attention check. Please choose the second point on every scale below.",
                expected_value=2,
                translations={
                    "de": {
                        "prompt": "Wie sehe ich meinen Kontostand?",
                        "response": "Dies ist ein Aufmerksamkeitstest. Bitte wählen Sie auf jeder Skala den zweiten Punkt.",
                    }
                },
            )
        ],
        questions=[
            ItemQuestion(
                name="about_gender",
                text="Is this exchange about gender?",
                translations={"de": {"text": "Geht es in diesem Austausch um Geschlecht?"}},
            )
        ],
        completion_code="COALIGN-DEMO-DONE",
        screened_out_code="COALIGN-DEMO-NOCONSENT",
    )
    stored = create_campaign(store, campaign, items)
    password = secrets.token_urlsafe(9)
    create_account(store, "admin", password, role="admin")
    (token,) = create_invites(store, stored.id, 1)
    return WebDemo(
        username="admin",
        password=password,
        campaign_id=stored.id,
        crowd_path=f"/s/{study_slug}/{campaign.slug}?PROLIFIC_PID=demo-participant&STUDY_ID=demo&SESSION_ID=1",
        invite_path=f"/i/{token}",
    )
