"""Spreadsheets: MOOC grade exports and rosters in, the 教务 import draft out (docs/decisions/0011).

``reading`` opens .xlsx/.csv safely, ``headers`` holds the profiles and detects the header row,
``rows`` turns rows into records and row issues, ``writing`` writes the draft, ``adapter`` is the
:class:`~adapters.base.Adapter` the sync engine uses (``xlsx:`` and ``csv:`` SPECs).
"""

from .adapter import ADAPTERS, CsvAdapter, SpreadsheetAdapter, XlsxAdapter
from .headers import Detection, Profile, load_profiles
from .reading import Limits
from .rows import RowIssue

__all__ = ["ADAPTERS", "CsvAdapter", "Detection", "Limits", "Profile", "RowIssue", "SpreadsheetAdapter",
           "XlsxAdapter", "load_profiles"]
