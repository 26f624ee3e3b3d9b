"""The bounds on what a spreadsheet read takes in (docs/decisions/0011, 0023); SPEC options change them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what is read; exceeding one is a :class:`~adapters.errors.DataError` (for a cell, a row issue).

    Sizes are bytes: the file itself, the workbook unpacked (all parts), one worksheet unpacked (streamed),
    one other part unpacked (shared strings, styles: loaded whole, so kept small), the ratio of one part.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_unzipped: int = 400 * 1024 * 1024
    max_sheet_bytes: int = 256 * 1024 * 1024
    max_part_bytes: int = 16 * 1024 * 1024
    max_ratio: int = 1000
    max_rows: int = 200_000
    max_columns: int = 200
    max_cell_chars: int = 2_000
