"""The options of ``xlsx:`` and ``csv:`` SPECs, parsed from strings into values (every failure a ``bad_option``)."""

from __future__ import annotations

from ..errors import DataError
from ..i18n import Translator
from ..records import normalize_code

__all__ = ["OPTIONS", "as_bool", "as_delimiter", "as_int", "split_term"]

_ = Translator.for_package("adapters").gettext

OPTIONS = frozenset({
    "profile", "profiles", "encoding", "delimiter", "sheet", "header_row", "columns", "course", "course_name",
    "term", "year", "semester", "scale", "exam_kind", "components", "overwrite", "scales", "max_rows",
    "max_cell_chars", "decimals", "source", "max_sheet_mb", "max_part_mb",
})
_TRUE = {"1", "true", "yes", "on", "是"}
_FALSE = {"0", "false", "no", "off", "否", ""}


def split_term(term: str | None, year: str | None, semester: str | None) -> tuple[str | None, str | None]:
    """``2025-2026-1`` → ``("2025-2026", "1")``; ``year``/``semester`` win when given. ``DataError`` ``bad_option``."""
    if term:
        text = normalize_code(term) or ""
        head, sep, tail = text.rpartition("-")
        if not sep or not head or not tail.isdigit():
            raise DataError(_("{term} is not a term like 2025-2026-1.").format(term=term), code="bad_option")
        return year or head, semester or tail
    return normalize_code(year), normalize_code(semester)


def as_int(options: dict[str, str], key: str, default: int | None) -> int | None:
    """A non-negative whole-number option, or ``default`` when absent."""
    value = options.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise DataError(_("{key}={value} must be a whole number.").format(key=key, value=value),
                        code="bad_option") from None
    if number < 0:
        raise DataError(_("{key}={value} must be a whole number.").format(key=key, value=value), code="bad_option")
    return number


def as_bool(options: dict[str, str], key: str) -> bool:
    """A true/false option (absent is false)."""
    value = str(options.get(key, "")).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise DataError(_("{key}={value} must be true or false.").format(key=key, value=value), code="bad_option")


def as_delimiter(value: str | None) -> str | None:
    """One character, or the names tab/comma/semicolon."""
    if not value:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    value = named.get(value.lower(), value)
    if len(value) != 1:
        raise DataError(_("delimiter must be one character (or tab)."), code="bad_option")
    return value
