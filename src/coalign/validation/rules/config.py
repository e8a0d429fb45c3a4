"""Filters configured from YAML (a separate file, or the ``filters:`` section of a recipe).

The file is a list of filters, or a mapping with a ``filters`` list; each entry names a
``rule`` from the registry, an optional ``name`` (the verdicts' ``rule``; defaults to the
rule) and the rule's options::

    filters:
      - rule: well_formed
      - rule: near_duplicate
        field: question
        cosine: 0.9
      - rule: length
        name: aligned_length
        field: aligned_response
        max_tokens: 400

Every problem is reported at once, each naming its key (``filters[2].max_tokns: unknown
option for rule 'length'``), and nothing runs until the whole file is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from coalign.core.errors import InputError
from coalign.validation.rules.registry import RULES, ConfiguredFilter

#: The filters run when neither a file nor the recipe names any: every sensibility check, the
#: near-duplicate filter over questions, the default limits, and the checks measured on real
#: embedded-model output of two studies for issue 14 (``benchmarks/bench_validate_real.py``):
#: fragments, fields that repeat each other, copies of seeds and diary text, degenerate
#: repetition, topic and question-kind fit. The LLM ``relevance`` judge is added by ``coalign
#: validate --judge MODEL``. Left out, each a line in a filter file away: ``type_fit`` (the right
#: type is nearest for only about two thirds of human-written seeds) and ``answers_question`` (it
#: embeds every response: minutes at the scale of a published run on two cores; on the labelled
#: real output it alone rejected one record). ``fragment`` costs ~3 min at that scale and
#: rejects 3 of the 15 unusable records the other rules keep.
DEFAULT_FILTERS: list[dict[str, Any]] = [
    {"rule": "well_formed"},
    {"rule": "fields_non_empty"},
    {"rule": "language"},
    {"rule": "not_truncated"},
    {"rule": "not_refusal"},
    {"rule": "no_template_leak"},
    {"rule": "aligned_differs"},
    {"rule": "near_duplicate", "field": "question"},
    {
        "rule": "length",
        "name": "question_length",
        "field": "question",
        "min_tokens": 3,
        "max_tokens": 120,
    },
    {
        "rule": "length",
        "name": "aligned_length",
        "field": "aligned_response",
        "min_tokens": 5,
        "max_tokens": 600,
    },
    # People pair a short, evasive misaligned answer with a full rewrite up to ~5x as long
    # (5 of 26 human-written seed examples of three studies exceed 3x): only more is verbose.
    {"rule": "verbose", "max_ratio": 6.0},
    {"rule": "too_similar"},
    {"rule": "fragment"},
    {"rule": "fields_repeat"},
    # Lexical only by default: embedding every question cost 5-6 min at the scale of a published
    # run (66,609 questions, 2 cores) and changed no decision on the labelled real output
    # (12 accepted either way; without `fragment` 15).
    {"rule": "seed_copy", "use_embeddings": False},
    {"rule": "degenerate_repetition"},
    {"rule": "topic_fit"},
    {"rule": "kind_fit"},
]


class FilterConfigError(InputError):
    """A filter configuration failed validation.

    Args:
        source: the file (or "filters") that failed.
        problems: one line per problem, each naming the bad key.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def _problems(entry: Any, where: str) -> tuple[ConfiguredFilter | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"{where}: expected a mapping with a 'rule' key, got {type(entry).__name__}"]
    rule = entry.get("rule")
    if rule is None:
        return None, [f"{where}.rule: missing"]
    if rule not in RULES:
        return None, [f"{where}.rule: unknown rule {rule!r} (known: {', '.join(sorted(RULES))})"]
    spec = RULES[rule]
    name = entry.get("name", rule)
    if not isinstance(name, str) or not name.strip():
        return None, [f"{where}.name: must be non-empty text"]
    options = {k: v for k, v in entry.items() if k not in ("rule", "name")}
    try:
        parsed = spec.options(**options)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            label = f"{where}.{key}" if key else where
            if err["type"] == "extra_forbidden":
                lines.append(f"{label}: unknown option for rule {rule!r}")
            else:
                lines.append(f"{label}: {err['msg']}")
        return None, lines
    return ConfiguredFilter(name=name, spec=spec, options=parsed), []


def build_filter(entry: dict[str, Any], where: str = "filter") -> ConfiguredFilter:
    """One filter from a mapping; raises :class:`FilterConfigError` naming the bad key."""
    built, problems = _problems(entry, where)
    if problems or built is None:
        raise FilterConfigError(where, problems)
    return built


def build_filters(entries: Any, source: str = "filters") -> list[ConfiguredFilter]:
    """All filters of a configuration (a list, or a mapping with a ``filters`` list).

    Raises:
        FilterConfigError: listing every problem, each naming its key.
    """
    if isinstance(entries, dict):
        unknown = sorted(set(entries) - {"filters"})
        if unknown:
            raise FilterConfigError(
                source, [f"{k}: unknown key (expected 'filters')" for k in unknown]
            )
        entries = entries.get("filters")
    if not isinstance(entries, list) or not entries:
        raise FilterConfigError(source, ["filters: expected a non-empty list of filters"])
    built: list[ConfiguredFilter] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        f, lines = _problems(entry, f"filters[{i}]")
        problems.extend(lines)
        if f is not None:
            if f.name in seen:
                problems.append(
                    f"filters[{i}].name: {f.name!r} is already used by filters[{seen[f.name]}]; give one a distinct name"
                )
            seen[f.name] = i
            built.append(f)
    if problems:
        raise FilterConfigError(source, problems)
    return built


def default_filters() -> list[ConfiguredFilter]:
    """The filters of :data:`DEFAULT_FILTERS`."""
    return build_filters(DEFAULT_FILTERS, "default filters")


def load_filters(path: str | Path) -> list[ConfiguredFilter]:
    """Read and validate a YAML filter file.

    Raises:
        FilterConfigError: unreadable or invalid YAML, or invalid filters.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FilterConfigError(
            str(path), [f"cannot read the file: {exc.strerror or exc}"]
        ) from exc
    except yaml.YAMLError as exc:
        raise FilterConfigError(str(path), [f"not valid YAML: {exc}"]) from exc
    return build_filters(data, str(path))


def make_filter(rule: str, name: str | None = None, **options: Any) -> ConfiguredFilter:
    """Build a filter from Python, e.g. ``make_filter("length", field="aligned_response", max_tokens=300)``.

    Raises:
        InputError: unknown rule or invalid options (the message names the bad key).
    """
    return build_filter(
        {"rule": rule, **({"name": name} if name else {}), **options}, where="filter"
    )
