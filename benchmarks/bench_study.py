"""Study 003 driven through the platform: simulated participants rate over HTTP, analysis recovers them.

A real ``coalign serve`` runs the ``aligniverse`` example study (five value dimensions, five
system-prompt interventions as item contexts, two attention checks, an item question, the 003
survey with its quotas). ``--participants`` simulated people (default 1,095, as in 003) each open
a crowd-platform link in English or German, consent, answer the demographics survey and rate
5 items on 5 dimensions (plus the two checks), with think time. Their ratings come from a known
cumulative-logit model: fixed effects of their gender, political views, country and display
language and of the item's context, plus a random intercept per person and per item.

Some people misbehave, by known numbers: careless ones rate at random (and so fail the checks),
hasty ones click through in about a second per item (too fast), some stop half-way, and some
people from outside the two recruiting countries are turned away by the quota.

Printed: wall time; submit latency p50/p95 with ``GET /healthz`` under the same load as the
reference; lost / duplicated ratings and item answers read back from the database; the
exclusion counts the analysis reports against the numbers simulated; and each true effect
against the 95% interval the ordinal mixed model recovers
(``value ~ gender + political + country + display_language + context + (1|rater) + (1|item)``,
with the example's category merges), plus the 003 shape ``(1|rater) + (1|context)``.
Goals (issue 15): every true effect inside its interval for >= 90% of terms; 0 lost, 0 duplicated;
exclusions counted exactly.

Usage: ``python benchmarks/bench_study.py [--participants 1095] [--outsiders 20]
[--engine sqlite|postgresql] [--ramp SECONDS] [--seed 3]`` (arrivals spread evenly over
``--ramp``, default 0.4 s per person; one uvicorn process serves everyone).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import yaml
from _serving import pct, postgres, server, verify
from sqlalchemy import select

from coalign.analysis import AnalysisOptions, load_campaign_ratings, run_analysis
from coalign.rating.campaign_files import load_campaign_file
from coalign.rating.campaigns import create_campaign, read_items
from coalign.rating.exclusions import EXCLUSION_REASONS, EXCLUSIONS_ATTR, ExclusionPolicy
from coalign.store import open_store
from coalign.store.participation_tables import ParticipantRow
from coalign.store.rating_tables import CampaignItemRow, ItemRow
from coalign.study import import_study

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "aligniverse"
STUDY, CAMPAIGN = "aligniverse", "everyday-answers"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ITEM = re.compile(r'name="item_id" value="([^"]+)"')
ANSWER = re.compile(r'name="question\.involves_gender" value="([^"]+)"')
DIMENSIONS = [
    "toxicity",
    "emotional_awareness",
    "sensitivity_and_openness",
    "helpfulness",
    "stereotypical_bias",
]
CONTEXTS = ["none", "republican", "patriarchy", "empathy", "equality"]
#: Cut points of the latent scale (5 rating levels).
THRESHOLDS = np.array([-2.2, -0.8, 0.6, 2.0])
RATER_SD, ITEM_SD = 0.7, 0.4
#: The true effects on the latent scale, per dimension, of every non-reference level.
#: References: gender she/her, political liberal, country Germany, display language en, context none.
TRUTH: dict[str, dict[str, float]] = {
    "toxicity": {
        "gender[he/him]": -0.35,
        "gender[other pronouns or self-described]": 0.3,
        "political[conservative]": -0.45,
        "political[in the middle]": -0.2,
        "country[United States]": 0.0,
        "display_language[de]": 0.25,
        "context[republican]": 0.5,
        "context[patriarchy]": 1.4,
        "context[empathy]": -0.5,
        "context[equality]": -0.3,
    },
    "emotional_awareness": {
        "gender[he/him]": -0.2,
        "gender[other pronouns or self-described]": 0.0,
        "political[conservative]": 0.0,
        "political[in the middle]": 0.0,
        "country[United States]": 0.3,
        "display_language[de]": 0.0,
        "context[republican]": -0.4,
        "context[patriarchy]": -0.9,
        "context[empathy]": 1.2,
        "context[equality]": 0.4,
    },
    "sensitivity_and_openness": {
        "gender[he/him]": 0.0,
        "gender[other pronouns or self-described]": -0.35,
        "political[conservative]": 0.3,
        "political[in the middle]": 0.15,
        "country[United States]": 0.0,
        "display_language[de]": -0.2,
        "context[republican]": -0.6,
        "context[patriarchy]": -1.3,
        "context[empathy]": 0.6,
        "context[equality]": 0.8,
    },
    "helpfulness": {
        "gender[he/him]": 0.15,
        "gender[other pronouns or self-described]": 0.0,
        "political[conservative]": 0.2,
        "political[in the middle]": 0.0,
        "country[United States]": 0.25,
        "display_language[de]": 0.3,
        "context[republican]": -0.2,
        "context[patriarchy]": -0.8,
        "context[empathy]": 0.3,
        "context[equality]": 0.0,
    },
    "stereotypical_bias": {
        "gender[he/him]": -0.4,
        "gender[other pronouns or self-described]": 0.35,
        "political[conservative]": -0.6,
        "political[in the middle]": -0.25,
        "country[United States]": 0.0,
        "display_language[de]": 0.0,
        "context[republican]": 0.6,
        "context[patriarchy]": 1.8,
        "context[empathy]": 0.0,
        "context[equality]": -0.4,
    },
}
MODEL_TERMS = ["gender", "political", "country", "display_language", "context"]
REFERENCE = {
    "gender": "she/her",
    "political": "liberal",
    "country": "Germany",
    "display_language": "en",
    "context": "none",
}
#: Survey answers before merging, and the merged level each stands for.
POLITICAL = {
    "liberal": ["very liberal", "liberal", "rather liberal"],
    "in the middle": ["in the middle"],
    "conservative": ["rather conservative", "conservative", "very conservative"],
}
OTHER_GENDER = ["they/them", "more than one of these"]
AGES = ["18-24", "25-34", "35-44", "45-54", "55-64", "65 or older"]


@dataclass
class Person:
    """One simulated participant and what they will do."""

    n: int
    country: str
    gender: str  # the merged level
    gender_answer: str
    political: str  # the merged level
    political_answer: str
    age: str
    language: str
    behaviour: str  # careful, careless, hasty, dropout, outsider
    stop_after: int = 99
    intercept: float = 0.0

    @property
    def pid(self) -> str:
        return f"sim{self.n}"


@dataclass
class Outcome:
    """What the simulated crowd did, as the bench saw it."""

    latencies: list[float] = field(default_factory=list)
    sent: dict[tuple[str, str, str], int] = field(default_factory=dict)
    answers: dict[tuple[str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    screened: list[str] = field(default_factory=list)
    finished: int = 0


def population(n: int, outsiders: int, rng: random.Random) -> list[Person]:
    """``n`` people in exact shares (so the example's quotas never fill) plus ``outsiders``."""
    people: list[Person] = []
    behaviours = (
        ["careless"] * round(0.04 * n) + ["hasty"] * round(0.03 * n) + ["dropout"] * round(0.04 * n)
    )
    behaviours += ["careful"] * (n - len(behaviours))
    rng.shuffle(behaviours)
    for i in range(n + outsiders):
        country = "another country" if i >= n else ("United States" if i % 2 else "Germany")
        share = (i // 2) * 37 % 100  # every share of 100 in turn, in each country
        gender = "she/her" if share < 46 else "he/him" if share < 92 else "other"
        political = ["liberal", "in the middle", "conservative"][
            rng.choices([0, 1, 2], [4, 2, 3])[0]
        ]
        language = "de" if country == "Germany" and rng.random() < 0.85 else "en"
        behaviour = behaviours[i] if i < n else "outsider"
        people.append(
            Person(
                n=i,
                country=country,
                gender=gender if gender != "other" else "other pronouns or self-described",
                gender_answer=gender if gender != "other" else rng.choice(OTHER_GENDER),
                political=political,
                political_answer=rng.choice(POLITICAL[political]),
                age=rng.choice(AGES),
                language=language,
                behaviour=behaviour,
                stop_after=rng.randint(1, 3) if behaviour == "dropout" else 99,
                intercept=rng.gauss(0, RATER_SD),
            )
        )
    return people


def latent(person: Person, context: str, dim: str, item_effect: float) -> float:
    """The person's latent position on ``dim`` for an item of ``context``."""
    truth = TRUTH[dim]
    eta = person.intercept + item_effect
    for column, level in (
        ("gender", person.gender),
        ("political", person.political),
        ("country", person.country),
        ("display_language", person.language),
        ("context", context),
    ):
        eta += truth.get(f"{column}[{level}]", 0.0)
    return eta


def draw(eta: float, rng: random.Random) -> int:
    """A rating 1..5 from the cumulative-logit model at ``eta``."""
    cumulative = 1 / (1 + np.exp(-(THRESHOLDS - eta)))
    u = rng.random()
    return int(np.searchsorted(cumulative, u)) + 1


def prepare(db: str, people: int) -> tuple[dict[str, str], dict[str, int]]:
    """Import the example and its campaign, sized for ``people``; return item contexts and checks."""
    campaign = load_campaign_file(EXAMPLE / "campaign.yaml")
    items = read_items("campaign_items.jsonl", (EXAMPLE / "campaign_items.jsonl").read_bytes())
    # every person rates 5 of the items; room for everyone (dropouts keep their places)
    target = math.ceil(people * campaign.items_per_participant / len(items) * 1.1)
    campaign = campaign.model_copy(update={"target_ratings": target, "min_seconds_per_item": 1.0})
    with open_store(db) as store:
        import_study(store, EXAMPLE / "study.yaml")
        stored = create_campaign(store, campaign, items)
        with store.read() as session:
            rows = session.execute(
                select(
                    CampaignItemRow.item_id,
                    CampaignItemRow.kind,
                    CampaignItemRow.expected_value,
                    ItemRow.context,
                )
                .join(ItemRow, ItemRow.id == CampaignItemRow.item_id)
                .where(CampaignItemRow.campaign_id == stored.id)
            ).all()
    contexts = {item: str(context) for item, kind, _, context in rows if kind == "item"}
    checks = {item: int(expected) for item, kind, expected, _ in rows if kind == "attention"}
    return contexts, checks


async def participant(
    base: str,
    person: Person,
    start: float,
    contexts: dict[str, str],
    item_effects: dict[tuple[str, str], float],
    checks: dict[str, int],
    outcome: Outcome,
    rng: random.Random,
) -> None:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        page = await client.get(
            f"/s/{STUDY}/{CAMPAIGN}",
            params={
                "PROLIFIC_PID": person.pid,
                "STUDY_ID": "bench",
                "SESSION_ID": str(person.n),
                "lang": person.language,
            },
            follow_redirects=True,
        )
        found = CSRF.search(page.text)
        if found is None:
            outcome.errors.append(f"{person.pid}: {page.status_code} on {page.url.path}")
            return
        token = found.group(1)
        await client.post("/p/consent", data={"csrf_token": token, "choice": "agree"})
        survey = {
            "csrf_token": token,
            "country": person.country,
            "gender": person.gender_answer,
            "age": person.age,
            "political": person.political_answer,
        }
        page = await client.post("/p/demographics", data=survey, follow_redirects=True)
        rated = 0
        while "/p/items/" in str(page.url):
            if rated >= person.stop_after:
                return  # closes the tab half-way
            found = ITEM.search(page.text)
            if found is None:
                outcome.errors.append(f"{person.pid}: no item on {page.url.path}")
                return
            item = found.group(1)
            careless = person.behaviour in ("careless", "hasty")
            if item in checks:
                values = {
                    d: rng.randint(1, 5) if person.behaviour == "careless" else checks[item]
                    for d in DIMENSIONS
                }
            elif careless:
                values = {d: rng.randint(1, 5) for d in DIMENSIONS}
            else:
                context = contexts[item]
                values = {
                    d: draw(latent(person, context, d, item_effects[(item, d)]), rng)
                    for d in DIMENSIONS
                }
            options = ANSWER.findall(page.text)
            answer = rng.choice(options) if options else None
            form = {"csrf_token": token, "item_id": item}
            form.update({f"rating.{d}": str(v) for d, v in values.items()})
            if answer is not None:
                form["question.involves_gender"] = answer
            think = rng.uniform(1.1, 2.0) if person.behaviour == "hasty" else rng.uniform(5.5, 8.0)
            await asyncio.sleep(think)
            began = time.perf_counter()
            reply = await client.post(page.url.path, data=form)
            outcome.latencies.append(time.perf_counter() - began)
            if reply.status_code != 303:
                outcome.errors.append(f"{person.pid}: {reply.status_code}: {reply.text[:200]}")
                return
            if item not in checks:
                outcome.sent.update({(person.pid, item, d): v for d, v in values.items()})
                if answer is not None:
                    outcome.answers[(person.pid, item)] = answer
                rated += 1
            page = await client.get(reply.headers.get("location", "/p/next"), follow_redirects=True)
        if "ALIGNIVERSE-QUOTA" in page.text:
            outcome.screened.append(person.pid)
        elif "ALIGNIVERSE-DONE" in page.text:
            outcome.finished += 1
        else:
            outcome.errors.append(f"{person.pid} did not finish: {page.url}")


async def healthz(base: str, done: asyncio.Event) -> list[float]:
    """``GET /healthz`` latencies, one probe every 0.2 s while the crowd works (the reference:
    the same server under the same load, without a database)."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while not done.is_set():
            began = time.perf_counter()
            await client.get("/healthz")
            latencies.append(time.perf_counter() - began)
            await asyncio.sleep(0.2)
    return latencies


async def crowd(
    base: str,
    people: list[Person],
    contexts: dict[str, str],
    checks: dict[str, int],
    ramp: float,
    seed: int,
) -> tuple[Outcome, list[float], float]:
    rng = random.Random(seed)
    item_effects = {(item, d): rng.gauss(0, ITEM_SD) for item in contexts for d in DIMENSIONS}
    outcome = Outcome()
    began = time.perf_counter()
    order = list(people)
    rng.shuffle(order)
    tasks = [
        participant(
            base,
            person,
            began + ramp * k / len(order),
            contexts,
            item_effects,
            checks,
            outcome,
            random.Random(seed * 100_003 + person.n),
        )
        for k, person in enumerate(order)
    ]
    done = asyncio.Event()
    reference = asyncio.create_task(healthz(base, done))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    done.set()
    return outcome, await reference, wall


def stored_answers(db: str) -> dict[tuple[str, str], str]:
    """Item answers read back through the long format: (crowd id, item) -> answer."""
    with open_store(db) as store:
        everyone = ExclusionPolicy.including(EXCLUSION_REASONS)
        frame = load_campaign_ratings(store, f"{STUDY}/{CAMPAIGN}", policy=everyone)
        with store.read() as session:
            crowd = {
                pid: ids.get("PROLIFIC_PID")
                for pid, ids in session.execute(
                    select(ParticipantRow.id, ParticipantRow.external_ids)
                )
            }
    rows = frame.drop_duplicates(["rater", "item"])
    return {
        (crowd[rater], item): answer
        for rater, item, answer in zip(rows["rater"], rows["item"], rows["answer_involves_gender"])
        if isinstance(answer, str)
    }


def recover(db: str, people: list[Person]) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """Fit the model; print each term against its truth; return (inside, terms, exclusions)."""
    merges = yaml.safe_load((EXAMPLE / "merges.yaml").read_text())
    with open_store(db) as store:
        frame = load_campaign_ratings(store, f"{STUDY}/{CAMPAIGN}")
    exclusions = frame.attrs[EXCLUSIONS_ATTR]
    simulated = {
        "failed-attention": sum(p.behaviour == "careless" for p in people),
        "too-fast": sum(p.behaviour == "hasty" for p in people),
        "incomplete": sum(p.behaviour == "dropout" for p in people),
    }
    found = exclusions.by_reason
    counts = {reason: (found.get(reason, 0), simulated[reason]) for reason in simulated}
    began = time.perf_counter()
    result = run_analysis(
        frame,
        AnalysisOptions(
            fixed_effects=MODEL_TERMS,
            random=("rater", "item"),
            reference=REFERENCE,
            merges=merges,
            n_boot=50,
            on_model_error="raise",
            quadrature_check=False,
        ),
    )
    fit_seconds = time.perf_counter() - began
    inside = total = 0
    print(f"{'dimension':26} {'term':44} {'true':>6} {'estimate':>9} {'95% interval':>18}")
    for dim, model in result.models.items():
        table = model.coefficients.set_index("term")
        for term, true in TRUTH[dim].items():
            row = table.loc[term]
            low, high = float(row["ci_low"]), float(row["ci_high"])
            hit = low <= true <= high
            inside += hit
            total += 1
            print(
                f"{dim:26} {term:44} {true:6.2f} {float(row['estimate']):9.2f} "
                f"[{low:6.2f}, {high:6.2f}] {'' if hit else '  <- outside'}"
            )
        sds = ", ".join(f"{k} {v:.2f}" for k, v in model.random_sd.items())
        print(f"{dim:26} random-intercept SDs: {sds} (true rater {RATER_SD}, item {ITEM_SD})")
    print(f"model fits (5 dimensions, (1|rater) + (1|item)): {fit_seconds:.1f} s")
    began = time.perf_counter()
    shape = run_analysis(
        frame,
        AnalysisOptions(
            fixed_effects=["gender", "political", "country", "display_language"],
            random=("rater", "context"),
            reference=REFERENCE,
            merges=merges,
            n_boot=50,
            on_model_error="raise",
            quadrature_check=False,
        ),
    )
    print(
        f"003's shape (1|rater) + (1|context), 5 dimensions: {time.perf_counter() - began:.1f} s; "
        + "; ".join(
            f"{d}: context SD {m.random_sd.get('context', float('nan')):.2f}"
            for d, m in shape.models.items()
        )
    )
    return inside, total, counts


def bench(
    engine: str, db: str, folder: Path, n: int, outsiders: int, ramp: float, seed: int
) -> bool:
    people = population(n, outsiders, random.Random(seed))
    contexts, checks = prepare(db, n)
    print(
        f"== {engine}: {n} simulated participants (+{outsiders} from outside the quota) x "
        f"{len(checks) and 5} items x {len(DIMENSIONS)} dimensions, {len(contexts)} items in "
        f"{len(set(contexts.values()))} contexts; arrivals over {ramp:.0f} s "
        f"({60 * n / ramp:.0f} a minute), 5.5-8 s per item (hasty people 1-2 s)"
    )
    with server(db, folder, 1) as (base, _):
        outcome, reference, wall = asyncio.run(crowd(base, people, contexts, checks, ramp, seed))
    lost, duplicated, wrong = verify(db, outcome.sent)
    answers = stored_answers(db)
    lost_answers = sum(1 for key, value in outcome.answers.items() if answers.get(key) != value)
    print(
        f"wall time {wall:.0f} s; {len(outcome.latencies)} submits; submit latency ms p50 "
        f"{pct(outcome.latencies, 50):.0f}, p95 {pct(outcome.latencies, 95):.0f} "
        f"(reference /healthz under the same load: p50 {pct(reference, 50):.0f}, p95 "
        f"{pct(reference, 95):.0f}; ratio p95 {pct(outcome.latencies, 95) / pct(reference, 95):.1f}x)"
    )
    print(
        f"database: {len(outcome.sent)} ratings sent, {lost} lost, {duplicated} duplicated, "
        f"{wrong} with a wrong value; {len(outcome.answers)} item answers, {lost_answers} lost or "
        f"changed; {outcome.finished} finished, {len(outcome.screened)} screened out by the quota "
        f"(of {outsiders} outsiders); {len(outcome.errors)} errors"
        + (f": {outcome.errors[:3]}" if outcome.errors else "")
    )
    inside, total, counts = recover(db, people)
    exact = all(found == simulated for found, simulated in counts.values())
    print(
        "exclusions (reported / simulated): "
        + ", ".join(f"{r} {f}/{s}" for r, (f, s) in counts.items())
        + f" -> {'exact' if exact else 'NOT exact'}"
    )
    share = inside / total if total else 0.0
    print(
        f"recovered: {inside} of {total} true effects inside their 95% interval ({share:.0%}; "
        f"goal >= 90%: {'met' if share >= 0.9 else 'NOT met'})"
    )
    return (
        share >= 0.9
        and exact
        and not (lost or duplicated or wrong or lost_answers or outcome.errors)
        and len(outcome.screened) == outsiders
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1095)
    parser.add_argument("--outsiders", type=int, default=20, help="people the quota turns away")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="seconds over which people arrive (default 0.4 s per person: 150 a minute, "
        "a crowd study filling fast)",
    )
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    ramp = 0.4 * args.participants if args.ramp is None else args.ramp
    with tempfile.TemporaryDirectory(prefix="coalign-bench-study-") as tmp:
        folder = Path(tmp)
        if args.engine == "sqlite":
            ok = bench(
                "sqlite",
                str(folder / "study.db"),
                folder,
                args.participants,
                args.outsiders,
                ramp,
                args.seed,
            )
        else:
            with postgres(args.pg_url) as url:
                ok = bench(
                    "postgresql", url, folder, args.participants, args.outsiders, ramp, args.seed
                )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
