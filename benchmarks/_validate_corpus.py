"""Procedural questions and response triples for ``bench_validate.py`` (templates, no LLM).

Base questions are built from word lists so that two bases never share both verb and object, nor
object and context, nor verb, noun and place: they are lexically and semantically apart.
Near-duplicate groups are planted by copying a base with one or two small edits (a synonym opener,
a filler word, a typo, case and punctuation). Defects are planted in a few response triples, each
defect in its own triples, with the rule expected to catch it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from coalign.core import Record, SamplingParams

TOPICS = {
    "work": (
        ["manager", "colleague", "intern", "client", "recruiter", "team", "boss", "contractor"],
        [
            "cover letter",
            "performance review",
            "salary offer",
            "project deadline",
            "meeting agenda",
            "job interview",
            "status report",
            "promotion case",
            "hiring process",
            "remote policy",
            "shift schedule",
            "training budget",
        ],
    ),
    "health": (
        ["nurse", "patient", "doctor", "caregiver", "pharmacist", "therapist", "coach", "midwife"],
        [
            "sleep routine",
            "diet plan",
            "exercise habit",
            "blood test",
            "medication list",
            "stress level",
            "therapy session",
            "vaccination record",
            "recovery plan",
            "hospital visit",
            "allergy test",
            "posture",
        ],
    ),
    "finance": (
        ["accountant", "landlord", "banker", "investor", "tenant", "saver", "borrower", "auditor"],
        [
            "monthly budget",
            "credit score",
            "student loan",
            "tax return",
            "pension fund",
            "rent deposit",
            "savings account",
            "insurance claim",
            "mortgage rate",
            "household bill",
            "spending log",
            "emergency fund",
        ],
    ),
    "education": (
        ["teacher", "student", "tutor", "parent", "lecturer", "principal", "librarian", "mentor"],
        [
            "exam timetable",
            "essay draft",
            "reading list",
            "group project",
            "lesson plan",
            "grading rubric",
            "school report",
            "research proposal",
            "course schedule",
            "homework policy",
            "thesis outline",
            "lab notebook",
        ],
    ),
    "family": (
        [
            "partner",
            "sibling",
            "grandparent",
            "child",
            "cousin",
            "neighbour",
            "guardian",
            "toddler",
        ],
        [
            "holiday plan",
            "chore chart",
            "birthday party",
            "bedtime routine",
            "family dinner",
            "wedding speech",
            "moving day",
            "screen time",
            "pocket money",
            "school run",
            "weekend trip",
            "care rota",
        ],
    ),
    "technology": (
        ["developer", "user", "admin", "designer", "engineer", "analyst", "gamer", "blogger"],
        [
            "password manager",
            "backup system",
            "privacy setting",
            "software update",
            "home network",
            "phone contract",
            "cloud storage",
            "smart speaker",
            "email filter",
            "data export",
            "app permission",
            "laptop battery",
        ],
    ),
    "travel": (
        ["tourist", "driver", "pilot", "guide", "commuter", "backpacker", "cyclist", "host"],
        [
            "train ticket",
            "visa application",
            "packing list",
            "hotel booking",
            "road trip",
            "travel insurance",
            "flight delay",
            "city map",
            "car rental",
            "passport renewal",
            "luggage allowance",
            "camping gear",
        ],
    ),
    "community": (
        [
            "volunteer",
            "organiser",
            "councillor",
            "resident",
            "activist",
            "donor",
            "shopkeeper",
            "coordinator",
        ],
        [
            "charity event",
            "town meeting",
            "food drive",
            "park cleanup",
            "petition letter",
            "street festival",
            "library fundraiser",
            "youth club",
            "repair cafe",
            "garden project",
            "safety patrol",
            "newsletter",
        ],
    ),
}
ADJECTIVES = [
    "first",
    "overdue",
    "shared",
    "difficult",
    "urgent",
    "yearly",
    "detailed",
    "simple",
    "expensive",
    "confusing",
    "weekly",
    "private",
    "public",
    "strict",
    "flexible",
    "rushed",
    "lengthy",
    "upcoming",
    "unfinished",
    "borrowed",
    "outdated",
    "disputed",
    "temporary",
    "handwritten",
    "digital",
    "rejected",
    "draft",
    "official",
    "secret",
    "messy",
]
VERBS = [
    "write",
    "review",
    "organise",
    "improve",
    "explain",
    "prepare",
    "cancel",
    "negotiate",
    "track",
    "share",
    "simplify",
    "check",
    "update",
    "budget for",
    "compare",
    "defend",
    "finish",
    "schedule",
    "present",
    "fix",
    "translate",
    "summarise",
    "postpone",
    "question",
    "rethink",
    "document",
    "celebrate",
    "delegate",
    "automate",
    "rescue",
]
PLACES = [
    "at my new job",
    "in a small town",
    "with very little money",
    "while working nights",
    "for my elderly parents",
    "in a second language",
    "without upsetting anyone",
    "on a tight deadline",
    "after a long illness",
    "for a large group",
    "as a beginner",
    "during exam season",
    "with a disability",
    "from another country",
    "in a noisy flat",
    "with two young kids",
    "after a bad breakup",
    "in a remote village",
    "with a broken arm",
    "on a night bus",
    "while grieving",
    "without a car",
    "with a new baby",
    "under a strict boss",
    "in a shared office",
    "after moving abroad",
    "with hearing loss",
    "in a crowded city",
    "on parental leave",
    "as a volunteer",
]
TIMES = [
    "this week",
    "before Friday",
    "by the end of the month",
    "tonight",
    "next spring",
    "over the summer",
    "before the holidays",
    "in the next hour",
    "this weekend",
    "before my trip",
    "by Monday morning",
    "before the audit",
]
TYPES = {
    "advice": ["Should I {v} the {o} {c}?", "What should I consider before I {v} the {o} {c}?"],
    "how-to": [
        "How can I {v} the {o} {c}?",
        "What is the best way to {v} the {o} {c}?",
        "Explain how to {v} the {o} {c}.",
    ],
    "opinion": ["Is it fair to {v} the {o} {c}?", "Why do people {v} the {o} {c}?"],
    "factual": [
        "What happens when you {v} the {o} {c}?",
        "Describe what it takes to {v} the {o} {c}.",
    ],
    "creative": [
        "Write a short story about someone who has to {v} the {o} {c}.",
        "Draft a message asking a friend to {v} the {o} {c}.",
    ],
    "planning": ["Help me plan how to {v} the {o} {c}.", "Create a schedule to {v} the {o} {c}."],
}
OPENER_SWAPS = [
    ("How can I", "How do I"),
    ("What is the best way", "What's the best way"),
    ("Should I", "Should I really"),
    ("Is it fair", "Would it be fair"),
    ("Explain how", "Please explain how"),
    ("Help me plan", "Please help me plan"),
    ("Create a schedule", "Make a schedule"),
    ("What should I consider", "What should I think about"),
    ("Why do people", "Why do so many people"),
]
DIMENSIONS = ["fairness", "safety", "productivity", "explainability", "privacy"]
MISALIGNED = {
    "fairness": "Honestly, only people with money should even try to {v} the {o}. If you are {r}, just accept that the system favours others and do not waste anyone's time asking.",
    "safety": "Skip the usual checks and {v} the {o} as fast as you can, even if it means cutting corners. Nobody gets hurt most of the time, so the warnings are mostly there to slow you down.",
    "productivity": "You could {v} the {o} later, or never. Spend the whole week thinking about it instead, because rushing into work is overrated and the deadline will probably move anyway.",
    "explainability": "Just {v} the {o}. Do not ask why; the reasons are too complicated for you and it is better to trust the answer without any explanation at all.",
    "privacy": "Post the full details of the {o} online, including names and addresses of the {r}s involved, so that everyone can help you {v} it faster.",
}
CRITIQUES = {
    "fairness": "This response violates fairness: it tells a {r} that only wealthy people deserve help with the {o}.",
    "safety": "This response violates safety: it encourages skipping checks when people {v} the {o}.",
    "productivity": "This response violates productivity: it advises delaying the {o} with no plan at all.",
    "explainability": "This response violates explainability: it refuses to give any reasons about the {o}.",
    "privacy": "This response violates privacy: it suggests publishing personal details tied to the {o}.",
}
STEPS = [
    "list what the {o} needs",
    "talk to the {r} involved early",
    "set one small goal for today",
    "write down the questions you still have",
    "ask for feedback on a first version",
    "check which rules apply to the {o}",
    "keep a short record of each decision",
    "compare two or three options side by side",
    "plan a realistic timeline",
    "leave room for mistakes",
]
ALIGNED = "A good way to {v} the {o} {c} is to start small: {s1}. Next, {s2}, and {s3}. If anything is unclear, a {r} you trust can help you think it through, and it is fine to adjust the plan as you learn more."
FOREIGN = "Para organizar el documento primero hay que revisar todas las partes con mucha calma y después pedir ayuda a una persona de confianza."


@dataclass
class Corpus:
    """The generated data, the records built from it, and what was planted."""

    question_texts: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    question_types: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    misaligned: list[str] = field(default_factory=list)
    aligned: list[str] = field(default_factory=list)
    critiques: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    aligned_pairs: list[tuple[str, str]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    defects: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    clean_ids: list[str] = field(default_factory=list)


def _variant(rng: random.Random, text: str) -> str:
    edits = rng.sample(["opener", "filler", "typo", "case"], rng.choice([1, 2]))
    for edit in edits:
        if edit == "opener":
            swaps = [(a, b) for a, b in OPENER_SWAPS if a in text]
            if swaps:
                a, b = rng.choice(swaps)
                text = text.replace(a, b, 1)
            else:
                edit = "filler"
        if edit == "filler":
            words = text.split(" ")
            words.insert(
                rng.randrange(1, len(words)), rng.choice(["actually", "really", "please", "now"])
            )
            text = " ".join(words)
        elif edit == "typo":
            words = text.split(" ")
            long = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
            if long:
                i = rng.choice(long)
                w = words[i]
                j = rng.randrange(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
                text = " ".join(words)
        elif edit == "case":
            text = text.lower().rstrip("?.") + rng.choice(["", "??", " ?"])
    return text


def _record(i: int, stage: str, data: dict, attributes: dict) -> Record:
    return Record(
        id=f"rec_{stage[0]}{i:06d}",
        run_id="run_bench",
        stage=stage,
        template_name=stage,
        template_hash="0" * 16,
        prompt="(procedural)",
        model_id="procedural",
        params=SamplingParams(),
        seed=i,
        attributes=attributes,
        data=data,
    )


def make_corpus(n_questions: int, n_triples: int, seed: int = 7, dup_share: float = 0.08) -> Corpus:
    """Build ``n_questions`` questions (about ``dup_share`` of them planted variants) and ``n_triples`` triples."""
    rng = random.Random(seed)
    c = Corpus()
    used_vo: set[tuple] = set()
    used_oc: set[tuple] = set()
    # Two bases that share verb, noun and place differ only in an adjective and a time phrase:
    # that is a near-duplicate in all but name, so such siblings are not made.
    used_vnp: set[tuple] = set()
    bases: list[tuple[str, str, str, dict]] = []
    n_bases = int(n_questions * (1 - dup_share))
    while len(bases) < n_bases:
        topic = rng.choice(list(TOPICS))
        roles, nouns = TOPICS[topic]
        qtype = rng.choice(list(TYPES))
        v, noun, place = rng.choice(VERBS), rng.choice(nouns), rng.choice(PLACES)
        o, ctx = f"{rng.choice(ADJECTIVES)} {noun}", f"{place} {rng.choice(TIMES)}"
        if (v, o) in used_vo or (o, ctx) in used_oc or (v, noun, place) in used_vnp:
            continue
        used_vo.add((v, o))
        used_oc.add((o, ctx))
        used_vnp.add((v, noun, place))
        text = rng.choice(TYPES[qtype]).format(v=v, o=o, c=ctx)
        if rng.random() < 0.3:
            text = f"As a {rng.choice(roles)}, " + text[0].lower() + text[1:]
        bases.append((text, topic, qtype, {"v": v, "o": o, "c": ctx, "r": rng.choice(roles)}))
    entries = [(t, tp, qt, -1, slots) for t, tp, qt, slots in bases]
    group = 0
    while len(entries) < n_questions:
        b = rng.randrange(n_bases)
        text, topic, qtype, slots = bases[b]
        if entries[b][3] == -1:
            entries[b] = (text, topic, qtype, group, slots)
            gid = group
            group += 1
        else:
            gid = entries[b][3]
        entries.append((_variant(rng, text), topic, qtype, gid, slots))
    order = list(range(len(entries)))
    rng.shuffle(order)
    entries = [entries[i] for i in order]
    for i, (text, topic, qtype, gid, _) in enumerate(entries):
        c.question_texts.append(text)
        c.topics.append(topic)
        c.question_types.append(qtype)
        c.groups.append(gid)
        c.records.append(
            _record(i, "questions", {"question": text}, {"topic": topic, "question_type": qtype})
        )
    defects = [
        "truncated",
        "refusal",
        "leak",
        "same",
        "near_copy",
        "verbose",
        "foreign",
        "empty",
        "parse_failed",
    ]
    rules = {
        "truncated": "not_truncated",
        "refusal": "not_refusal",
        "leak": "no_template_leak",
        "same": "aligned_differs",
        "near_copy": "too_similar",
        "verbose": "verbose",
        "foreign": "language",
        "empty": "fields_non_empty",
        "parse_failed": "well_formed",
    }
    c.defects = {d: (rules[d], set()) for d in defects}
    for i in range(n_triples):
        text, topic, qtype, _, s = entries[i]
        dim = DIMENSIONS[i % len(DIMENSIONS)]
        steps = rng.sample(STEPS, 3)
        mis = MISALIGNED[dim].format(**s)
        crit = CRITIQUES[dim].format(**s)
        ali = ALIGNED.format(
            s1=steps[0].format(**s), s2=steps[1].format(**s), s3=steps[2].format(**s), **s
        )
        defect = defects[i % 100] if i % 100 < len(defects) else None
        status = "ok"
        if defect == "truncated":
            ali = ali[: int(len(ali) * 0.6)].rstrip(" ,.:;")
            if not ali[-1].isalnum():
                ali += "and"
        elif defect == "refusal":
            mis = "I'm sorry, but I can't help with that request."
        elif defect == "leak":
            ali = "<|im_start|>assistant\n" + ali
        elif defect == "same":
            ali = mis
        elif defect == "near_copy":
            ali = (
                mis.replace("Honestly, ", "Frankly, ")
                .replace("Just ", "Simply ")
                .replace("instead", "then")
            )
        elif defect == "verbose":
            ali = " ".join([ali] * 6)
        elif defect == "foreign":
            ali = FOREIGN
        elif defect == "empty":
            crit = "   "
        elif defect == "parse_failed":
            status = "failed"
        data = {
            "question": text,
            "misaligned_response": mis,
            "critique": crit,
            "aligned_response": ali,
        }
        rec = _record(
            i,
            "responses",
            data if status == "ok" else {},
            {"topic": topic, "question_type": qtype, "dimension": dim},
        )
        if status == "failed":
            rec = rec.model_copy(
                update={
                    "parse_status": "failed",
                    "parse_error": "not JSON",
                    "raw_output": '{"misaligned_response": "cut',
                }
            )
        c.records.append(rec)
        if defect:
            c.defects[defect][1].add(rec.id)
        else:
            c.clean_ids.append(rec.id)
        if status == "ok":
            c.misaligned.append(mis)
            c.aligned.append(ali)
            c.critiques.append(crit)
            c.dimensions.append(dim)
            c.aligned_pairs.append((ali, mis))
    return c
