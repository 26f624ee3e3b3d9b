"""The OneRoster ``filter`` query parameter, built safely, and the query string it travels in.

Grammar (REST binding, "Filtering"): ``<field><op>'<value>'``, optionally joined to one more clause by
`` AND `` or `` OR ``. Operators: ``= != > >= < <= ~`` (``~`` is "contains"). Fields may be dotted
(``class.sourcedId``). The specification gives no escape for a quote inside a value; we double it
(``O''Brien``, as SQL does, and as our test server reads it) and refuse control characters. The whole
query is percent-encoded with ``%20`` for spaces (never ``+``), which every server decodes alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import as_utc

__all__ = ["OPERATORS", "Clause", "build_filter", "format_datetime", "query_string"]

_ = Translator.for_package("adapters").gettext

OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Clause:
    """One comparison: ``field op 'value'``."""

    field: str
    op: str
    value: str

    def render(self) -> str:
        """The clause as text, with the value quoted and its quotes doubled; raise ``DataError`` if unsafe."""
        if not _FIELD.match(self.field):
            raise DataError(_("{field!r} is not a OneRoster field name.").format(field=self.field),
                            code="bad_filter", where={"field": self.field})
        if self.op not in OPERATORS:
            raise DataError(_("{op!r} is not a OneRoster filter operator.").format(op=self.op), code="bad_filter",
                            where={"op": self.op})
        value = str(self.value)
        if _CONTROL.search(value):
            raise DataError(_("A filter value may not contain control characters."), code="bad_filter",
                            where={"field": self.field})
        return f"{self.field}{self.op}'{value.replace(chr(39), chr(39) * 2)}'"


def build_filter(first: Clause | None, logic: str = "AND", second: Clause | None = None) -> str | None:
    """Join at most two clauses with ``AND`` or ``OR`` (the most the specification allows)."""
    clauses = [c for c in (first, second) if c is not None]
    if not clauses:
        return None
    if logic not in ("AND", "OR"):
        raise DataError(_("A OneRoster filter joins clauses with AND or OR, not {logic!r}.").format(logic=logic),
                        code="bad_filter")
    return f" {logic} ".join(c.render() for c in clauses)


def format_datetime(value: datetime) -> str:
    """A ``dateLastModified`` value as the specification writes it: UTC, ``Z``, milliseconds."""
    value = as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def query_string(params: dict[str, object]) -> str:
    """``a=b&c=d`` with every name and value percent-encoded (spaces as ``%20``); ``None`` values dropped."""
    parts = []
    for name, value in params.items():
        if value is None or value == "":
            continue
        parts.append(f"{quote(str(name), safe='')}={quote(str(value), safe='')}")
    return "&".join(parts)
