"""The spreadsheet adapters of the ``xlsx`` and ``csv`` SPEC schemes (docs/decisions/0011, 0029).

A spreadsheet is one of two adapters, each declaring its own streams and capabilities:

* the **MOOC-export source** (:class:`~.source.ExportSource`: :class:`XlsxExport`, :class:`CsvExport`) reads grade
  exports and rosters and never writes;
* the **教务 draft writer** (:class:`~.draft_target.DraftWriter`: :class:`XlsxDraft`, :class:`CsvDraft`) writes
  grades into the draft a person submits to the 教务系统, and reads it back.

SPEC strings (parsed by ``sync``) name the scheme's class, whose ``from_spec`` builds the one the options ask for:
a draft profile (``profile=zhengfang``) makes the writer, anything else the source::

    xlsx:grades.xlsx?profile=icourse163
    csv:grades.csv?encoding=gbk&profile=zhihuishu
    xlsx:draft.xlsx?profile=zhengfang&course=0012345&term=2025-2026-1

:func:`~.sheet.spec_arguments` documents every option. Reading decides the file's format by its content (so
``csv:`` on an .xlsx still works); writing uses the scheme's format. Row problems are collected in
``issues``; ``report`` says which profile matched and why.
"""

from __future__ import annotations

from typing import ClassVar

from .draft_target import DraftWriter
from .headers import load_profiles
from .sheet import SheetFile, is_draft_profile, spec_arguments
from .source import ExportSource

__all__ = ["ADAPTERS", "CsvAdapter", "CsvDraft", "CsvExport", "SpreadsheetAdapter", "XlsxAdapter", "XlsxDraft",
           "XlsxExport"]


class SpreadsheetAdapter(SheetFile):
    """A spreadsheet SPEC: :meth:`from_spec` builds its MOOC-export source or its 教务 draft writer."""

    source_class: ClassVar[type[SheetFile] | None] = None
    draft_class: ClassVar[type[SheetFile] | None] = None

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str]) -> SheetFile:
        """The draft writer when ``options`` name a draft profile, else the source (see :func:`spec_arguments`).
        On this base class the file's suffix picks the scheme (.csv/.txt/.tsv: ``csv``, else ``xlsx``)."""
        if cls is SpreadsheetAdapter:
            cls = CsvAdapter if location.lower().endswith((".csv", ".txt", ".tsv")) else XlsxAdapter
        arguments = spec_arguments(cls.name, location, options)
        writer = is_draft_profile(load_profiles(arguments["profiles"]), arguments["profile"])
        built = cls.draft_class if writer else cls.source_class
        assert built is not None
        return built(**arguments)


class XlsxAdapter(SpreadsheetAdapter):
    """``xlsx:``: reads .xlsx (or CSV, by content) and writes the draft as .xlsx."""

    name = "xlsx"
    format = "xlsx"


class CsvAdapter(SpreadsheetAdapter):
    """``csv:``: reads CSV (or .xlsx, by content) and writes the draft as CSV (UTF-8 with BOM unless ``encoding``)."""

    name = "csv"
    format = "csv"


class XlsxExport(ExportSource, XlsxAdapter):
    """A MOOC export or roster read from an ``xlsx:`` SPEC."""


class CsvExport(ExportSource, CsvAdapter):
    """A MOOC export or roster read from a ``csv:`` SPEC."""


class XlsxDraft(DraftWriter, XlsxAdapter):
    """The 教务 draft written as .xlsx."""


class CsvDraft(DraftWriter, CsvAdapter):
    """The 教务 draft written as CSV."""


XlsxAdapter.source_class, XlsxAdapter.draft_class = XlsxExport, XlsxDraft
CsvAdapter.source_class, CsvAdapter.draft_class = CsvExport, CsvDraft

ADAPTERS: dict[str, type[SpreadsheetAdapter]] = {"xlsx": XlsxAdapter, "csv": CsvAdapter}
"""SPEC scheme → adapter class."""
