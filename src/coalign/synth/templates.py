"""Prompt templates: Jinja2 files that users edit, checked before a run and hashed into every record.

A template names a bundled file (``questions.j2``, in this package's ``templates/`` folder, which
is also the place to copy from) or a path to the user's own file. At load time the template is
parsed and every variable it uses is checked against those its stage provides, so a typo such
as ``{{ topics }}`` is one clear error before any model call, not a failure mid-run. Rendering
uses ``StrictUndefined``: a missing attribute is an error, never silently empty text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from coalign.core.errors import InputError
from coalign.core.ids import content_hash

BUNDLED_DIR = Path(__file__).parent / "templates"

_COMMON = {"study", "persona", "intervention", "examples", "topic", "question_type"}

#: The variables each kind of template may use.
VARIABLES: dict[str, frozenset[str]] = {
    "questions": frozenset(_COMMON),
    "responses": frozenset(_COMMON | {"question", "dimension"}),
    "misaligned": frozenset(_COMMON | {"question", "dimension"}),
    "critique": frozenset(_COMMON | {"question", "dimension", "misaligned_response"}),
    "aligned": frozenset(_COMMON | {"question", "dimension", "misaligned_response", "critique"}),
}

_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,  # prompts are plain text, not HTML
)


@dataclass(frozen=True)
class PromptTemplate:
    """A checked template.

    Attributes:
        name: as the recipe names it (file name for bundled ones).
        source: the template text (stored with the run, so a resume renders the same prompts).
        hash: content hash of ``source``; recorded with every record.
    """

    name: str
    kind: str
    source: str
    hash: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash", content_hash(self.source, 16))

    def render(self, **variables: Any) -> str:
        """The prompt for these variables, stripped of leading and trailing blank space.

        Raises:
            InputError: the template refers to something the variables do not have.
        """
        try:
            return _compile(self.source).render(**variables).strip()
        except jinja2.UndefinedError as exc:
            raise InputError(f"template {self.name}: {exc.message}") from exc


def _compile(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


def check_template(name: str, kind: str, source: str) -> PromptTemplate:
    """Parse ``source`` and check it uses only the variables a ``kind`` template gets.

    Raises:
        InputError: a syntax error, or unknown variables (named, with the allowed ones).
    """
    try:
        parsed = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"template {name}, line {exc.lineno}: {exc.message}") from exc
    unknown = sorted(meta.find_undeclared_variables(parsed) - VARIABLES[kind])
    if unknown:
        raise InputError(
            f"template {name} uses unknown variable(s) {', '.join(unknown)}; a {kind} template may use "
            + ", ".join(sorted(VARIABLES[kind]))
        )
    return PromptTemplate(name=name, kind=kind, source=source)


def load_template(name: str, kind: str, base: Path | None = None) -> PromptTemplate:
    """Find a template by bundled name or path (relative to ``base``), read and check it.

    Raises:
        InputError: the file does not exist, or the template does not check.
    """
    candidates = [Path(name).expanduser()]
    if base is not None:
        candidates.insert(0, base / name)
    if "/" not in name:
        candidates.append(BUNDLED_DIR / name)
    for path in candidates:
        if path.is_file():
            return check_template(name, kind, path.read_text(encoding="utf-8"))
    bundled = ", ".join(sorted(p.name for p in BUNDLED_DIR.glob("*.j2")))
    raise InputError(f"template {name!r} not found (bundled templates: {bundled})")
