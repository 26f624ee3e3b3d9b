"""The OneRoster ``filter`` query parameter, built safely, and the query string it travels in.

Grammar (REST binding, "Filtering"): ``<field><op>'<value>'``, optionally joined to one more clause by
`` AND `` or `` OR ``. Operators: ``= != > >= < <= ~`` (``~`` is "contains"). Fields may be dotted
(``class.sourcedId``). The grammar has no escape character: a value is everything between the quote after
the operator and the quote that ends the clause, so a quote inside a value is sent as it is
(``familyName='O'Brien'``). That is how independent servers read it: Ed-Fi's OneRoster API strips only the
outer quotes of each clause (``OneRosterQueryService.parseOneRosterFilter``), a Flask 1.1 server matches
``'(.*)'`` greedily (Masterjx9/oneroster ``app/utils/collection_response.py``); a doubled quote (``O''Brien``)
reaches both as two quotes and matches nobody (issue #12). What the grammar cannot say is refused rather than
guessed: control characters, and a value holding `` AND `` / `` OR `` (the words that join clauses). The whole
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
_JOINER = re.compile(r"\s(AND|OR)\s")


@dataclass(frozen=True)
class Clause:
    """One comparison: ``field op 'value'``."""

    field: str
    op: str
    value: str

    def render(self) -> str:
        """The clause as text, the value between single quotes as it is; raise ``DataError`` if the grammar cannot
        carry it (see the module docstring)."""
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
        if _JOINER.search(value):
            raise DataError(_("A OneRoster filter value may not contain AND or OR between spaces: the filter "
                              "grammar would read it as two clauses. Filter on the sourcedId instead."),
                            code="bad_filter", where={"field": self.field})
        return f"{self.field}{self.op}'{value}'"


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
