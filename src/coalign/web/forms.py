"""Reading posted forms: text, whole numbers, lists, uploads and safe return paths.

Routes get the form once, already CSRF-checked, from :data:`coalign.web.dependencies.CsrfForm`
and read its fields with these functions, so a missing or malformed field is refused with the
same message on every page (:class:`~coalign.core.errors.InputError`, shown as a 422 page).
A missing text field reads as ``""``; services decide whether empty is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import FormData, UploadFile

from coalign.core.errors import InputError

#: The largest whole number (in size) a form or URL may carry: what an INTEGER column holds on
#: PostgreSQL, so an id, count or rank past it is refused here rather than failing in the database.
MAX_WHOLE = 2**31 - 1
#: The one character no PostgreSQL text can hold; forms and URLs with it are refused at the door.
NUL = "\x00"


def text(form: FormData, name: str, default: str = "") -> str:
    """A text field as typed, or ``default`` when it is missing or empty."""
    return str(form.get(name) or default)


def optional_text(form: FormData, name: str) -> str | None:
    """A text field without surrounding spaces, or ``None`` when it is missing or blank."""
    return text(form, name).strip() or None


def texts(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """Several text fields by name (missing ones as ``""``)."""
    return {name: text(form, name) for name in names}


def text_list(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes, multiple selects), in form order."""
    return [str(value) for value in form.getlist(name)]


def lines(form: FormData, name: str) -> list[str]:
    """A text area's non-blank lines, stripped."""
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def prefixed(form: FormData, prefix: str) -> dict[str, str]:
    """The fields whose names start with ``prefix``, keyed by the rest of the name.

    ``rating.fairness=3`` with prefix ``rating.`` gives ``{"fairness": "3"}``; a repeated field
    keeps its last value.
    """
    return {key[len(prefix) :]: str(value) for key, value in form.items() if key.startswith(prefix)}


def all_texts(form: FormData) -> dict[str, str]:
    """Every field as text (the service picks the ones it knows)."""
    return {key: str(value) for key, value in form.items()}


def checked(form: FormData, name: str) -> bool:
    """Whether a checkbox (or hidden flag) was sent with the value ``1``."""
    return form.get(name) == "1"


def optional_int(form: FormData, name: str) -> int | None:
    """A whole number, or ``None`` when the field is missing or empty.

    Raises:
        InputError: the field holds something else, or a number past :data:`MAX_WHOLE`.
    """
    raw = text(form, name).strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}: {raw[:20]!r} is not a whole number") from None
    if abs(value) > MAX_WHOLE:
        raise InputError(f"{name}: {raw[:20]!r} is too large")
    return value


def int_or(form: FormData, name: str, default: int) -> int:
    """A whole number, or ``default`` when the field is missing or empty.

    Raises:
        InputError: the field holds something else.
    """
    value = optional_int(form, name)
    return default if value is None else value


def required_int(form: FormData, name: str) -> int:
    """A whole number that must be there.

    Raises:
        InputError: the field is missing, empty or holds something else.
    """
    value = optional_int(form, name)
    if value is None:
        raise InputError(f"{name} is missing")
    return value


def int_list(form: FormData, name: str, *, error: str | None = None) -> list[int]:
    """Every value of a repeated field as whole numbers.

    Args:
        error: the message when one is not a whole number; default ``"<name>: not a whole number"``.

    Raises:
        InputError: a value is not a whole number.
    """
    try:
        values = [int(str(value)) for value in form.getlist(name)]
    except ValueError:
        raise InputError(error or f"{name}: not a whole number") from None
    if any(abs(value) > MAX_WHOLE for value in values):
        raise InputError(error or f"{name}: a number is too large")
    return values


def upload(form: FormData, name: str) -> UploadFile | None:
    """The file chosen in a file field, or ``None`` when none was chosen."""
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def safe_back(form: FormData, default: str) -> str:
    """The form's ``back`` target if it is a path on this site, else ``default``."""
    back = text(form, "back")
    local = back.startswith("/") and not back.startswith("//") and "\\" not in back
    return back if local else default
