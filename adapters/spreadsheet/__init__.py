"""Spreadsheets: MOOC grade exports and rosters in, the 教务 import draft out (docs/decisions/0011, 0029).

``reading`` opens .xlsx/.csv safely, ``headers`` holds the profiles and detects the header row,
``rows`` turns rows into records and row issues, ``writing`` writes the draft; ``sheet`` is what both adapters
share, ``source`` the MOOC-export source, ``draft_target`` the 教务 draft writer, and ``adapter`` the classes of the
``xlsx:`` and ``csv:`` SPECs that build one or the other.
"""

from .adapter import (
    ADAPTERS,
    CsvAdapter,
    CsvDraft,
    CsvExport,
    SpreadsheetAdapter,
    XlsxAdapter,
    XlsxDraft,
    XlsxExport,
)
from .draft_target import DraftWriter
from .headers import Detection, Profile, load_profiles
from .reading import Limits
from .rows import RowIssue
from .source import ExportSource

__all__ = ["ADAPTERS", "CsvAdapter", "CsvDraft", "CsvExport", "Detection", "DraftWriter", "ExportSource", "Limits",
           "Profile", "RowIssue", "SpreadsheetAdapter", "XlsxAdapter", "XlsxDraft", "XlsxExport", "load_profiles"]
