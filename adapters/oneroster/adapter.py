"""The OneRoster REST adapter: rosters and gradebooks of a OneRoster 1.1 or 1.2 provider.

``OneRosterAdapter.from_spec("https://sis.example.edu/ims/oneroster/v1p1", {"version": "1.1"})``; see
:mod:`.settings` for the options, :mod:`.delta` for bookmarks and full reconciles, :mod:`.gradebook` for
how grades are written. Reads every stream; writes line items and scores (rostering is read-only in the
specification).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar

from adapters.base import Adapter, Change, ChangeResult, Delta, ReadScope
from adapters.errors import FatalError, Unsupported
from adapters.i18n import Translator
from adapters.records import LineItem, Person, Record, Score

from .convert import Identity
from .delta import DeltaWindow
from .filters import Clause, build_filter
from .gradebook import GradebookWriter, failed
from .models import OrUser
from .rest import OneRosterClient
from .roster import RosterReader, parse
from .settings import OneRosterSettings

__all__ = ["OneRosterAdapter"]

_ = Translator.for_package("adapters").gettext


class OneRosterAdapter(Adapter):
    """Reads persons, courses (classes), enrollments, line items and scores; writes line items and scores."""

    name: ClassVar[str] = "oneroster"
    reads: ClassVar[frozenset[str]] = frozenset({"persons", "courses", "enrollments", "line_items", "scores"})
    writes: ClassVar[frozenset[str]] = frozenset({"line_items", "scores"})
    capabilities: ClassVar[frozenset[str]] = frozenset({"current", "delta"})
    batch_size: ClassVar[int] = 100
    identity_closed: ClassVar[bool] = True

    def __init__(self, settings: OneRosterSettings, *, client: OneRosterClient | None = None):
        self.settings = settings
        self.client = client or OneRosterClient(settings)
        self.identity = Identity(settings.student_number)
        self.reader = RosterReader(self.client, self.identity)
        self.gradebook = GradebookWriter(self.client, self.student_of)
        self.bookmarks: dict[str, datetime | None] = {}
        self.bookmark: datetime | None = None
        self.last_read_full: bool | None = None
        self._students: dict[str, str] = {}

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str] | None = None, **kwargs: Any) -> OneRosterAdapter:
        """Build the adapter from ``oneroster:<location>?<options>`` (see :mod:`.settings`)."""
        return cls(OneRosterSettings.from_spec(location, options), **kwargs)

    def __repr__(self) -> str:
        return f"OneRosterAdapter({self.settings.server!r}, version={self.settings.version!r})"

    def check_connection(self) -> None:
        """Fetch a token and read one class (``limit=1``) from the rostering service."""
        if not self.settings.client_id or not self.settings.client_secret:
            raise FatalError(_("No OneRoster client id and secret: set MOOC_BRIDGE_ONEROSTER_CLIENT_ID and "
                               "MOOC_BRIDGE_ONEROSTER_CLIENT_SECRET."), code="missing_credentials",
                             where={"server": self.settings.server})
        next(iter(self.client.pages("rostering", "classes", "classes")), None)

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.client.close()

    # -- reading --------------------------------------------------------------------------------------

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield the records of ``stream`` page by page; see :mod:`.delta` for ``since`` and ``full``.

        When the iteration ends normally, :attr:`bookmarks` [stream] and :attr:`bookmark` hold the next
        ``since`` and :attr:`last_read_full` says whether this read was complete (full pull).
        """
        if stream not in self.reads:
            raise Unsupported(_("The OneRoster adapter cannot read {stream!r}.").format(stream=stream),
                              code="unknown_stream", where={"stream": stream})
        scope = scope or ReadScope()
        window = DeltaWindow.for_scope(scope.since, scope.full, self.settings.full, self.settings.delta_margin)
        return self._read(stream, scope.course_id, window)

    def _read(self, stream: str, course_id: str | None, window: DeltaWindow) -> Iterator[Record]:
        reader = getattr(self.reader, stream)
        yield from reader(window, course_id)
        window.start_locally()
        self.bookmark = self.bookmarks[stream] = window.bookmark()
        self.last_read_full = window.full

    # -- writing --------------------------------------------------------------------------------------

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Write line items or scores (see :mod:`.gradebook`); one result per change, in order."""
        if stream not in self.writes:
            raise Unsupported(_("The OneRoster adapter cannot write {stream!r}.").format(stream=stream),
                              code="unknown_stream", where={"stream": stream})
        wrong = {n for n, c in enumerate(changes) if c.stream != stream}
        good = [c for n, c in enumerate(changes) if n not in wrong]
        written = iter(self.gradebook.write_scores(good) if stream == "scores"
                       else self.gradebook.write_line_items(good))
        error = FatalError(_("This change is for another stream than {stream}.").format(stream=stream),
                           code="wrong_stream")
        return [failed(c, error) if n in wrong else next(written) for n, c in enumerate(changes)]

    def current(self, change: Change) -> Record | None:
        """Re-read the provider's result or line item for ``change``."""
        record = change.record
        if change.stream == "scores" and isinstance(record, Score):
            return self.gradebook.current_score(record)
        if change.stream == "line_items" and isinstance(record, LineItem):
            return self.gradebook.current_line_item(record)
        raise self.unsupported("write", stream=change.stream)

    def delta(self) -> Delta:
        """Capability ``delta``: the bookmark of the last read that ran to its end, and whether it was full."""
        return Delta(bookmark=self.bookmark, full=bool(self.last_read_full))

    def student_of(self, person: Person) -> str:
        """The OneRoster sourcedId of ``person``: its external id, else found by 学号 (identifier/username)."""
        sid = person.external_ids.get("oneroster")
        if sid:
            return sid
        number = person.student_number
        field = {"identifier": "identifier", "username": "username"}.get(self.identity.student_number)
        if not number or field is None:
            raise FatalError(_("{person} has no OneRoster sourcedId and cannot be looked up.").format(
                person=person.label()), code="unknown_person")
        if number not in self._students:
            found = []
            filter_ = build_filter(Clause(field, "=", number))
            for page in self.client.pages("rostering", "users", "users", filter=filter_):
                found.extend(parse(OrUser, d, "users") for d in page.items)
            active = [u for u in found if not u.deleted]
            if len(active) != 1:
                raise FatalError(_("{count} OneRoster users have {field} {value}; cannot tell who {person} is.")
                                 .format(count=len(active), field=field, value=number, person=person.label()),
                                 code="unknown_person" if not active else "ambiguous_person")
            self._students[number] = active[0].sourcedId
        return self._students[number]
