"""Fuzzing every route of the web app: no input, however odd, gets a 5xx.

Each route is driven by hypothesis as an anonymous visitor, a seated participant, a facilitator
and an admin, each with their session's real CSRF token, so forms are really processed. Path
and query values are ids that exist mixed with arbitrary text and numbers (unicode, NUL, huge);
a form starts from a valid one for its route, and each field may be kept, replaced by anything,
repeated or dropped, with unknown fields added. Every answer must be below 500, and no exception
may escape the app.

The model is a stand-in that answers every JSON schema with a small valid object, so routes that
call it run fast and reach the code behind the call. ``COALIGN_FUZZ_EXAMPLES`` sets the number
of examples per route (default 8); ``COALIGN_FUZZ_RANDOM=1`` draws new ones on each run (by
default the same ones are drawn, so a CI run is repeatable).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from coalign.coconstruct.workshop_design import workshop_proposals
from coalign.coconstruct.workshop_seeds import workshop_seeds
from coalign.core.calls import ChatRequest, Completion
from coalign.core.ids import stable_id
from coalign.llm import Model
from coalign.participation.access import create_invites
from coalign.rating.translations import list_translations, paste_translations
from coalign.store import Store, open_store
from coalign.web.app import ROUTERS
from tests.rating.helpers import translations_csv
from tests.web.conftest import build_site

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EXAMPLES = int(os.environ.get("COALIGN_FUZZ_EXAMPLES", "8"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ALICE = stable_id("p", "mini", "prolific", "alice")
ROLES = ("anonymous", "participant", "facilitator", "admin")
#: Routes that end or replace the session that sends them: sent by an anonymous visitor or by a
#: newcomer (a participant who just joined through the crowd link), never by the world's people.
SESSION_CHANGING = {
    "/login",
    "/logout",
    "/s/{study_slug}/{campaign_slug}",
    "/i/{token}",
    "/p/consent",
    "/p/withdraw",
    "/w/{token}",
}

# --- a model that always answers in shape -------------------------------------------------------


def minimal(schema: dict[str, Any]) -> Any:
    """The smallest value that fits a (simple) JSON schema: what a well-behaved model returns."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal(props[name]) for name in schema.get("required", list(props))}
    if kind == "array":
        return [minimal(schema.get("items", {})) for _ in range(schema.get("minItems", 1))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 3)
    if kind == "boolean":
        return True
    return "Keep it private." + "." * max(0, schema.get("minLength", 1) - 16)


@dataclass
class InShapeBackend:
    """Answers free text with a sentence and every schema with :func:`minimal`."""

    name: str = "fuzz"
    model_id: str = "fuzz:in-shape"

    def complete(self, request: ChatRequest) -> Completion:
        if request.json_schema is None:
            return Completion(text="Keep your PIN to yourself.", finish_reason="stop")
        return Completion(text=json.dumps(minimal(request.json_schema)), finish_reason="stop")


# --- valid forms, one per POST route ------------------------------------------------------------
# ``{name}`` in a value is an id of the world (the first of ``World.ids[name]``). A tuple is a
# file: (file name, content, media type).

FORMS: dict[str, dict[str, Any]] = {
    "/login": {"username": "fac", "password": "not the password", "next": "/f"},
    "/logout": {},
    "/p/consent": {"choice": "agree"},
    "/p/demographics": {"age": "25-34", "gender": "woman"},
    "/p/items/{assignment_id}/draft": {"rating.fairness": "3", "rating.safety": "4"},
    "/p/items/{assignment_id}": {
        "item_id": "{item_id}",
        "rating.fairness": "3",
        "rating.safety": "4",
    },
    "/f/campaigns/new": {
        "study": "mini",
        "slug": "fuzzed",
        "title": "Fuzzed",
        "dimension": "mini:fairness",
        "items_per_participant": "2",
        "target_ratings": "1",
        "completion_code": "C",
        "screened_out_code": "S",
        "attention_response": "Choose 4.",
        "attention_expected": "4",
        "attention_position": "1",
        "question_text": "Why?",
        "items": ("items.csv", b"prompt,response\nQ1,A1\nQ2,A2\n", "text/csv"),
    },
    "/f/campaigns/{campaign_id}/invites": {"count": "2"},
    "/f/campaigns/{campaign_id}/status": {"status": "open"},
    "/f/campaigns/{campaign_id}/translations/{translation_id}": {"text": "Titel"},
    "/p/diary": {
        "goal": "Pay rent",
        "prompt": "How do I pay rent abroad?",
        "response": "Carry cash.",
        "action": "",
        "outcome": "",
        "values_at_stake": "safety",
        "entry_id": "{entry_id}",
        "remove_image": "1",
        "image": ("s.png", PNG, "image/png"),
    },
    "/p/chat": {"title": "mine"},
    "/p/chat/{conversation_id}/send": {"message": "Can I share my PIN?"},
    "/p/codes": {
        "turn_id": "{turn_id}",
        "text": "risky",
        "span_start": "0",
        "span_end": "4",
        "quote": "Keep",
        "back": "/p/chat",
    },
    "/p/codes/{code_id}/delete": {"back": "/p/clusters"},
    "/p/training": {
        "answer.names-a-value": "1",
        "answer.no-position-codes": "1",
        "answer.what-a-code-describes": "2",
    },
    "/p/clusters": {"name": "Risk", "code_id": "{code_id}"},
    "/p/clusters/move": {"code_id": "{code_id}", "cluster_id": "{cluster_id}"},
    "/p/groups/{group_id}/attributes": {
        "name1": "Care",
        "definition1": "kind",
        "name2": "Speed",
        "definition2": "",
        "name3": "",
        "definition3": "",
    },
    "/p/groups/{group_id}/ranking": {"rank.{axis_id}": "1", "agreement.{axis_id}": "4"},
    "/p/groups/{group_id}/shares": {
        "entry_id": "{entry_id}",
        "turn_id": "{turn_id}",
        "consent": "1",
    },
    "/p/groups/{group_id}/shares/{share_id}/unshare": {},
    "/p/groups/{group_id}/shares/{share_id}/codes": {"text": "unfair", "quote": "cash"},
    "/p/groups/{group_id}/codes/{code_id}/delete": {},
    "/p/groups/{group_id}/shares/{share_id}/worksheet": {
        "who_was_affected": "me",
        "what_was_at_stake": "money",
        "what_they_did": "asked",
    },
    "/p/groups/{group_id}/clusters": {"name": "Costs", "share_id": "{share_id}"},
    "/p/groups/{group_id}/clusters/move": {
        "share_id": "{share_id}",
        "cluster_id": "{group_cluster_id}",
    },
    "/p/groups/{group_id}/choice": {"cluster_id": "{group_cluster_id}"},
    "/p/groups/{group_id}/goal": {"who": "us", "what": "bank", "how": "care"},
    "/p/feedback": {
        "phase": "discuss",
        "understood": "5",
        "heard": "4",
        "free": "3",
        "time": "2",
        "worthwhile": "5",
        "change": "More time",
    },
    "/p/groups/{group_id}/group-ranking": {
        "size": "3",
        "place.1": "{axis_id}",
        "place.2": "{axis_id}",
        "place.3": "{axis_id}",
    },
    "/p/workshops/{workshop_id}/questions": {
        "text": "Can I freeze my card?",
        "topic": "cards",
        "question_type": "yes-no",
    },
    "/p/workshops/{workshop_id}/design": {
        "what": "type",
        "name": "comparison",
        "description": "Which is better?",
        "kind": "closed",
    },
    "/p/workshops/{workshop_id}/draft": {"question": "Can I share my PIN?", "dimension": "safety"},
    "/p/workshops/{workshop_id}/examples": {
        "question": "Can I share my PIN?",
        "misaligned_response": "Yes.",
        "critique": "Unsafe.",
        "aligned_response": "No.",
        "dimension": "safety",
        "topic": "cards",
        "question_type": "yes-no",
    },
    "/f/studies/{slug}/diary/{entry_id}/promote": {
        "kind": "question",
        "topic": "cards",
        "question_type": "how-to",
        "text": "Pay rent abroad?",
        "dimension": "safety",
        "critique": "c",
        "aligned_response": "a",
    },
    "/f/studies/{slug}/baselines": {"title": "Base", "messages": "Hello\nCan I share my PIN?"},
    "/f/studies/{slug}/groups": {"name": "G2", "member": "{participant}"},
    "/f/studies/{slug}/groups/{group_id}/axes": {
        "name": "Clarity",
        "definition": "Clear",
        "turn_id": "{turn_id}",
        "attribute_id": "1",
    },
    "/f/studies/{slug}/groups/{group_id}/goal": {"who": "us", "what": "bank", "how": "care"},
    "/f/studies/{slug}/groups/{group_id}/adopt": {"axis_id": "{axis_id}"},
    "/f/studies/{slug}/groups/{group_id}/phase": {"action": "close"},
    "/f/studies/{slug}/groups/{group_id}/group-ranking": {"size": "3", "place.1": "{axis_id}"},
    "/f/studies/{slug}/axes/compare/judgements": {
        "axis_id": "{axis_id}",
        "other_axis_id": "{axis_id}",
        "verdict": "same",
        "group": "{group_id}",
        "threshold": "0.5",
    },
    "/f/studies/{slug}/workshops": {
        "slug": "w2",
        "title": "W2",
        "groups": "blue: {participant}",
        "session_minutes": "30",
        "break_every_minutes": "10",
    },
    "/f/studies/{slug}/workshops/{workshop_id}/session": {"session": "1"},
    "/f/studies/{slug}/workshops/{workshop_id}/moderate": {
        "kind": "question",
        "seed_id": "{seed_id}",
        "decision": "accepted",
        "reason": "clear",
    },
    "/f/studies/{slug}/workshops/{workshop_id}/proposals/{proposal_id}": {
        "decision": "rejected",
        "reason": "not now",
    },
    "/f/studies/{slug}/workshops/{workshop_id}/handout": {"dimension.red": "safety", "size": "2"},
    "/f/studies/{slug}/workshops/{workshop_id}/notes/{note_id}/tags": {"tags": "time, overlap"},
    "/p/workshops/{workshop_id}/board/{number}/notes": {"text": "Topics overlapped."},
    "/p/workshops/{workshop_id}/notes/{note_id}/react": {"reaction": "+1"},
    "/p/steer": {"title": "steer", "prompt": ""},
    "/p/steer/{conversation_id}/send": {
        "message": "Hello",
        "axis:fairness": "3",
        "axis:safety": "5",
        "n": "1",
        "prompt_id": "",
    },
    "/p/steer/turns/{turn_id}/mark": {"kind": "validity", "value": "valid", "back": "/p/steer"},
    "/p/steer/turns/{turn_id}/flag": {"note": "off"},
    "/p/steer/turns/{turn_id}/rewind": {},
    "/p/steer/turns/{turn_id}/regenerate": {
        "axis:fairness": "2",
        "n": "1",
        "conversation": "{steered_conversation_id}",
    },
    "/p/steer/{conversation_id}/stop": {},
    "/p/steer/limit": {"daily_turns": "5", "back": "/p/steer"},
    "/p/steer/turns/{turn_id}/mitigate": {"dimension": "safety", "back": "/p/steer"},
    "/p/steer/prompts": {"text": "Ask about fees", "title": "Fees", "back": "/p/steer"},
    "/f/studies/{slug}/steer/limit": {"daily_turns": "20"},
    "/p/withdraw": {},
    "/w/{token}": {},
    "/f/withdrawals/check": {
        "participant_id": "{participant}",
        "crowd_id": "alice",
        "study": "mini",
    },
    "/f/withdrawals": {"participant_id": "p_nobody"},
}
#: Valid query parameters of the routes that read more than their declared ones.
QUERIES: dict[str, dict[str, str]] = {
    "/f/studies/{slug}/axes/compare": {"group": "{group_id}", "threshold": "0.5"},
    "/p/steer": {"since": "2026-01-01", "until": "2026-12-31", "axis": "safety", "flagged": "1"},
    "/s/{study_slug}/{campaign_slug}": {
        "PROLIFIC_PID": "bob",
        "STUDY_ID": "st",
        "SESSION_ID": "se",
    },
}
#: Query parameters tried on every route, besides each route's own.
QUERY_NAMES = ("back", "next", "lang", "entry", "prompt", "format", "demographics", "proposed")

# --- the world the fuzzer walks in --------------------------------------------------------------


@dataclass
class World:
    """The app over a store with something of everything, a client per role and known ids."""

    store: Store
    app: Any
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    ids: dict[str, list[str]]
    newcomers: int = 0


def _csrf_in(page: Any) -> str:
    """The CSRF token in a page's form."""
    match = CSRF.search(page.text)
    assert match, f"no CSRF field on {page.url}: {page.status_code}"
    return match.group(1)


def _token(client: TestClient, path: str) -> str:
    """The session's CSRF token, read from the form on ``path``."""
    return _csrf_in(client.get(path))


def _made(response: Any) -> str:
    """The last number in a redirect's target: the id of what a form made."""
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return re.findall(r"\d+", response.headers["location"])[-1]


def _build(store: Store) -> World:
    """Walk through the app once as people would, so every kind of id exists."""
    site = build_site(store)
    app = site.app
    app.state.model = Model(InShapeBackend(), store, cache=False)
    roles = ("participant", "facilitator", "admin")
    clients = {role: TestClient(app, follow_redirects=False) for role in roles}
    alice, fac = clients["participant"], clients["facilitator"]
    joined = alice.get(
        "/s/mini/pilot",
        params={"PROLIFIC_PID": "alice", "STUDY_ID": "st", "SESSION_ID": "se"},
        follow_redirects=True,
    )
    p = _csrf_in(joined)
    alice.post("/p/consent", data={"csrf_token": p, "choice": "agree"})
    assignment = _made(alice.post("/p/demographics", data={"csrf_token": p}))
    item = re.search(r'name="item_id" value="([^"]+)"', alice.get(f"/p/items/{assignment}").text)
    for username in ("fac", "admin"):
        client = clients["facilitator" if username == "fac" else "admin"]
        token = _token(client, "/login")
        login = {"csrf_token": token, "username": username, "password": "correct horse"}
        assert client.post("/login", data=login).status_code == 303
    tokens = {
        "participant": p,
        "facilitator": _token(fac, "/f/studies/mini"),
        "admin": _token(clients["admin"], "/f/studies/mini"),
    }
    f = tokens["facilitator"]

    def post(client: TestClient, path: str, token: str, files: Any = None, **data: Any) -> Any:
        return client.post(path, data={"csrf_token": token, **data}, files=files)

    diary = {k: v for k, v in FORMS["/p/diary"].items() if k in ("goal", "prompt", "response")}
    post(alice, "/p/diary", p, files={"image": ("s.png", PNG, "image/png")}, **diary)
    entry = re.findall(r"/p/diary/(\d+)/image", alice.get("/p/diary").text)[0]
    chat = _made(post(alice, "/p/chat", p, title="mine"))
    post(alice, f"/p/chat/{chat}/send", p, message="Can I share my PIN?")
    turn = re.findall(r'data-turn="(\d+)"', alice.get(f"/p/chat/{chat}").text)[-1]
    post(alice, "/p/codes", p, turn_id=turn, text="risky")
    code = re.findall(r'data-code="(\d+)"', alice.get("/p/clusters").text)[0]
    post(alice, "/p/clusters", p, name="Risk", code_id=code)
    cluster = re.findall(r'<option value="(\d+)">Risk', alice.get("/p/clusters").text)
    group = _made(post(fac, "/f/studies/mini/groups", f, name="G", member=ALICE))
    post(alice, f"/p/groups/{group}/attributes", p, name1="Care", definition1="kind")
    post(fac, f"/f/studies/mini/groups/{group}/axes", f, name="Care", definition="d")
    axis = re.findall(r'name="rank\.(\d+)"', alice.get(f"/p/groups/{group}").text)
    share = _made(post(alice, f"/p/groups/{group}/shares", p, entry_id=entry, consent="1"))
    post(alice, f"/p/groups/{group}/clusters", p, name="Costs", share_id=share)
    phase = alice.get(f"/p/groups/{group}/phase").text
    group_cluster = re.findall(r'<option value="(\d+)"[^>]*>Costs', phase)
    groups = f"red: {ALICE}"
    workshop = _made(post(fac, "/f/studies/mini/workshops", f, slug="w1", title="W", groups=groups))
    post(fac, f"/f/studies/mini/workshops/{workshop}/session", f, session="1")
    question = {"text": "Can I freeze my card?", "topic": "cards", "question_type": "yes-no"}
    post(alice, f"/p/workshops/{workshop}/questions", p, **question)
    post(alice, f"/p/workshops/{workshop}/design", p, what="topic", name="loans")
    note = _made(post(alice, f"/p/workshops/{workshop}/board/1/notes", p, text="Went well."))
    steer = _made(post(alice, "/p/steer", p, title="steer"))
    post(alice, f"/p/steer/{steer}/send", p, message="Hello", n="1")
    steer_turns = re.findall(r"/p/steer/turns/(\d+)/", alice.get(f"/p/steer/{steer}").text)
    seeds = workshop_seeds(store, "mini", int(workshop)).questions
    proposals = workshop_proposals(store, "mini", int(workshop))
    ids = {
        "assignment_id": [assignment],
        "item_id": [item.group(1) if item else "none"],
        "campaign_id": [str(site.campaign_id)],
        "entry_id": [entry],
        "conversation_id": [chat],
        "turn_id": [turn],
        "steered_conversation_id": [steer],
        "steered_turn_id": steer_turns[-1:],
        "withdrawal_token": _withdrawal_token(app),
        "code_id": [code],
        "cluster_id": cluster[:1] or [""],
        "group_id": [group],
        "share_id": [share],
        "group_cluster_id": group_cluster[:1] or [""],
        "axis_id": axis[:1] or ["1"],
        "workshop_id": [workshop],
        "note_id": [note],
        "number": ["1", "2"],
        "fmt": ["csv", "jsonl"],
        "proposal_id": [str(x.id) for x in proposals],
        "seed_id": [s.id or "" for s in seeds],
        "kind": ["question", "example"],
        "slug": ["mini"],
        "study_slug": ["mini"],
        "campaign_slug": ["pilot"],
        "token": create_invites(store, site.campaign_id, 1),
        "translation_id": [_pending_translation(store, site.campaign_id)],
        "code": ["de", "en"],
        "participant": [ALICE],
    }
    return World(store, app, clients, tokens, ids)


def _pending_translation(store: Store, campaign_id: int) -> str:
    """The id of a pasted German title waiting for review."""
    rows = [{"part": "title", "subject": "", "field": "title", "text": "Titel"}]
    paste_translations(store, campaign_id, "de", "de.csv", translations_csv(rows))
    return str(list_translations(store, campaign_id)[0].id)


def _withdrawal_token(app: Any) -> list[str]:
    """The withdrawal link of a second participant (bob), whom the fuzzer may withdraw."""
    bob = TestClient(app, follow_redirects=False)
    crowd = {"PROLIFIC_PID": "bob", "STUDY_ID": "st", "SESSION_ID": "se"}
    joined = bob.get("/s/mini/pilot", params=crowd, follow_redirects=True)
    bob.post("/p/consent", data={"csrf_token": _csrf_in(joined), "choice": "agree"})
    return re.findall(r"<code>[^<]*/w/([\w.-]+)</code>", bob.get("/p/withdraw/link").text)[:1]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The world on each engine (PostgreSQL in a database of its own, dropped afterwards)."""
    if request.param == "sqlite":
        with open_store(str(tmp_path_factory.mktemp("fuzz") / "fuzz.db")) as store:
            yield _build(store)
        return
    yield from _on_postgres(request.getfixturevalue("pg_server"))


def _on_postgres(server: str) -> Iterator[World]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        with open_store(url) as store:
            yield _build(store)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- what the fuzzer sends ----------------------------------------------------------------------

EDGE = (
    "",
    " ",
    "0",
    "-1",
    "2",
    "3",
    "2147483648",
    "-9223372036854775809",
    "9" * 400,
    "1e999",
    "NaN",
    "\x00",
    "a\x00b",
    "\u202e\u0301",
    "😀",
    "ß",
    "%00",
    "%2F..%2F",
    "//evil.example",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "'; DROP TABLE studies; --",
    "\r\n",
    "x" * 6000,
    "ü" * 5001,
    "y" * 70_000,
    "mini",
    "pilot",
    "safety",
    "cards",
    "yes-no",
    "open",
    "closed",
    "accepted",
    "rejected",
    "question",
    "example",
    "topic",
    "type",
    "jsonl",
    "parquet",
    "de",
    "true",
)
ANYTHING = st.one_of(
    st.sampled_from(EDGE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=10).map(lambda text: f"{text}\x00{text}"),  # PostgreSQL refuses NUL
)
#: URL values: as odd, but short enough for a URL (long ones are refused by the client itself).
IN_URL = ANYTHING.filter(lambda value: len(value) < 1000)
FILES = st.one_of(st.binary(max_size=200), st.sampled_from([PNG, b"GIF89a", b"prompt\n\xff\xfe"]))


def _fill(template: str, ids: dict[str, list[str]]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: (ids.get(m.group(1)) or [""])[0], template)


#: Path parameters whose ids depend on the route: (path prefix, parameter) → key in World.ids.
ROUTE_IDS = {
    ("/p/steer", "conversation_id"): "steered_conversation_id",
    ("/p/steer", "turn_id"): "steered_turn_id",
    ("/w/", "token"): "withdrawal_token",
}


def _known(path: str, name: str, ids: dict[str, list[str]]) -> str:
    """An id that exists for a route's path parameter."""
    key = next(
        (k for (prefix, n), k in ROUTE_IDS.items() if n == name and path.startswith(prefix)), name
    )
    return (ids.get(key) or ["1"])[0]


def _intended(path: str) -> list[str]:
    """Who a route is for: most requests come from them, so they get past the guards."""
    if path.startswith("/p/"):
        return ["participant"]
    if path == "/f" or path.startswith("/f/"):
        return ["facilitator", "admin"]
    return ["anonymous"]


@st.composite
def requests(draw: st.DrawFn, route: APIRoute, method: str, ids: dict[str, list[str]]) -> dict:
    """One request to ``route``: who sends it, the URL, the query, and for a POST the form.

    The request starts valid (known ids, the route's valid query and form, its intended sender,
    the session's CSRF token); a few of its parts are then replaced by anything, repeated or
    dropped, and unknown query and form fields may join.
    """
    form = {_fill(k, ids): v for k, v in FORMS.get(route.path_format, {}).items()}
    query_names = [p.name for p in route.dependant.query_params] + list(QUERY_NAMES)
    query = {k: _fill(v, ids) for k, v in QUERIES.get(route.path_format, {}).items()}
    path_names = re.findall(r"\{(\w+)\}", route.path_format)
    parts = [f"path:{n}" for n in path_names] + [f"query:{n}" for n in query] + list(form)
    odd = set(draw(st.lists(st.sampled_from(parts), max_size=3, unique=True))) if parts else set()
    path = route.path_format
    for name in path_names:
        value = draw(IN_URL) if f"path:{name}" in odd else _known(route.path_format, name, ids)
        path = path.replace(f"{{{name}}}", quote(value, safe="") or "%20")
    for name in list(query):
        if f"query:{name}" in odd:
            query[name] = draw(st.one_of(IN_URL, st.none()))
    extra = draw(st.dictionaries(st.sampled_from(query_names), IN_URL, max_size=2))
    params = {k: v for k, v in {**query, **extra}.items() if v is not None}
    intended = _intended(route.path_format)
    request: dict[str, Any] = {
        "role": draw(st.sampled_from(intended * 3 + list(ROLES))),
        "method": method,
        "url": path,
        "params": params,
        "csrf": draw(st.sampled_from(["valid"] * 6 + ["missing", "wrong"])),
        "hx": draw(st.booleans()),
    }
    if method == "POST":
        data: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for name, raw_value in form.items():
            how = draw(st.sampled_from(["anything", "repeat", "drop"])) if name in odd else "keep"
            if isinstance(raw_value, tuple):
                if how == "anything":
                    files[name] = (draw(st.text(max_size=20)), draw(FILES), "image/png")
                elif how != "drop":
                    files[name] = raw_value
                continue
            value = _fill(raw_value, ids)
            if how == "keep":
                data[name] = value
            elif how == "anything":
                data[name] = draw(ANYTHING)
            elif how == "repeat":
                data[name] = [value, draw(ANYTHING)]
        names = st.one_of(st.sampled_from(EDGE), st.text(max_size=12))
        for name, value in draw(st.dictionaries(names, ANYTHING, max_size=2)).items():
            data.setdefault(name, value)
        request["data"], request["files"] = data, files or None
    return request


def _newcomer(world: World) -> tuple[TestClient, str]:
    """A participant who just joined through the crowd link (not yet consented), and their token."""
    client = TestClient(world.app, follow_redirects=False)
    world.newcomers += 1
    crowd = {"PROLIFIC_PID": f"new{world.newcomers}", "STUDY_ID": "st", "SESSION_ID": "se"}
    client.get("/s/mini/pilot", params=crowd)
    return client, _token(client, "/p/consent")


def send(world: World, request: dict[str, Any]) -> Any:
    """Send one drawn request as its role, with that session's CSRF token as drawn."""
    role = request["role"]
    if role == "anonymous":
        client = TestClient(world.app, follow_redirects=False)
        token = _token(client, "/login") if request["method"] == "POST" else ""
    elif role == "newcomer":
        client, token = _newcomer(world)
    else:
        client, token = world.clients[role], world.tokens[role]
    headers = {"HX-Request": "true"} if request["hx"] else {}
    if request["method"] == "GET":
        return client.get(request["url"], params=request["params"], headers=headers)
    data = dict(request["data"])
    if request["csrf"] == "valid":
        data["csrf_token"] = token
    elif request["csrf"] == "wrong":
        data["csrf_token"] = "not-the-token"
    return client.post(
        request["url"],
        params=request["params"],
        data=data,
        files=request["files"],
        headers=headers,
    )


# --- the tests ----------------------------------------------------------------------------------

ROUTES = [
    (route, method)
    for router in ROUTERS
    for route in router.routes
    if isinstance(route, APIRoute)
    for method in sorted(route.methods or ())
]


def test_every_post_route_has_a_valid_form_to_start_from() -> None:
    posts = {route.path_format for route, method in ROUTES if method == "POST"}
    assert sorted(posts - set(FORMS)) == [] and sorted(set(FORMS) - posts) == []


@pytest.mark.parametrize(
    ("route", "method"), ROUTES, ids=[f"{m} {r.path_format}" for r, m in ROUTES]
)
def test_no_input_gets_a_server_error(world: World, route: APIRoute, method: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("COALIGN_FUZZ_RANDOM"),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(request=requests(route, method, world.ids))
    def check(request: dict[str, Any]) -> None:
        if route.path_format in SESSION_CHANGING and request["role"] != "anonymous":
            request["role"] = "newcomer"
        response = send(world, request)
        assert response.status_code < 500, (request, response.text[:500])

    check()
