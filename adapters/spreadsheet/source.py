"""The MOOC-export source: reads grade exports and rosters (persons, scores, enrollments) and never writes
(docs/decisions/0011, 0029). It says how it read the file (which profile matched and why) and which rows it left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from ..base import Change, ChangeResult, ReadScope
from ..errors import Unsupported
from ..i18n import Translator
from ..records import Record, normalize_code
from .sheet import SheetFile

__all__ = ["ExportSource"]

_ = Translator.for_package("adapters").gettext


class ExportSource(SheetFile):
    """Reads ``persons``, ``scores`` and ``enrollments`` from a MOOC export or a roster; writes nothing."""

    reads: ClassVar[frozenset[str]] = frozenset({"persons", "scores", "enrollments"})
    capabilities: ClassVar[frozenset[str]] = frozenset({"held_back", "read_report"})

    def check_connection(self) -> None:
        """The file opens and a profile fits."""
        with self._open() as table:
            self._detect(table, ("grades", "roster", "import"))

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield ``persons``, ``scores`` or ``enrollments``; raise :class:`DataError` when the file is unusable.

        ``scope.course_id`` (when the file has a 课程号 column) keeps only that course's rows;
        ``scope.missing_score`` (the target's grade table) decides a row with no score over this file's ``scales``.
        """
        if stream not in self.reads:
            raise self.unsupported("read", stream=stream)
        wanted = normalize_code(scope.course_id) if scope and scope.course_id else None
        yield from self._read_rows(stream, wanted, scope.missing_score if scope else None)

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """A source file is never written: refused, naming the way to write a draft instead."""
        raise Unsupported(_("{scheme}:{name} is read as a source and does not write {stream}; to write the 教务 "
                            "draft, name a draft profile (profile=zhengfang).").format(
            scheme=self.name, name=self.path.name, stream=stream), code="not_writable", where={"stream": stream})
