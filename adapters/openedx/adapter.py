"""The Open edX adapter: reads persons, enrollments, line items and scores; writes enrollments and scores.

Reads and ``current`` live here; the write paths are in :mod:`adapters.openedx.writes` and
:mod:`adapters.openedx.score_writes`. Identity: a Person is
found by its Open edX user id (``external_ids["openedx"]``), username, 学号 (when the settings say where it
comes from: a program's ``student_key``, the gradebook's ``external_user_key``, or the username itself) or,
last, e-mail. With a program, enrollments written by 学号 are read back from the program's course enrollments
(a 学号 with no linked account has no LMS enrollment to show). See docs/decisions/0010-openedx-adapter.md.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import ClassVar

from adapters.base import Adapter, Change, ChangeResult, ReadScope
from adapters.errors import FatalError, Unsupported
from adapters.http import HttpClient, RateLimiter, RetryPolicy
from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from adapters.records import Enrollment, LineItem, Person, Record, Score

from .api import ACCOUNTS_PER_LOOKUP, OpenEdxApi
from .items import resolve_items
from .models import Account
from .score_writes import ScoreWriter
from .settings import OpenEdxSettings
from .writes import EnrollmentWriter

__all__ = ["OpenEdxAdapter"]

log = logging.getLogger("adapters.openedx")
_ = Translator.for_package("adapters").gettext


class OpenEdxAdapter(Adapter):
    """Open edX LMS through its REST APIs, as a global-staff service user with OAuth2 client credentials (JWT)."""

    name: ClassVar[str] = "openedx"
    reads: ClassVar[frozenset[str]] = frozenset({"persons", "enrollments", "line_items", "scores"})
    writes: ClassVar[frozenset[str]] = frozenset({"enrollments", "scores"})
    capabilities: ClassVar[frozenset[str]] = frozenset({"current", "resolve_line_items"})
    batch_size: ClassVar[int] = 100
    computed_course_grade: ClassVar[bool] = True  # course grades are computed from subsections; never written

    def __init__(self, settings: OpenEdxSettings, *, client: HttpClient | None = None,
                 retry: RetryPolicy | None = None, rate_limiter: RateLimiter | None = None):
        """``client``/``retry``/``rate_limiter`` are for tests and benchmarks (fake clocks, no real waiting)."""
        self.settings = settings
        self.api = OpenEdxApi(settings, client=client, retry=retry, rate_limiter=rate_limiter)
        self.concurrency = settings.concurrency
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, dict[str, str]] = {}  # course -> {student number: username}
        self._program_rows: dict[str, dict[str, str]] = {}  # course -> {student_key: status}, until a program write
        self._service_user: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str] | None = None, **kwargs) -> OpenEdxAdapter:
        """Build the adapter from ``openedx:<location>?<options>`` (see :class:`OpenEdxSettings`)."""
        return cls(OpenEdxSettings.from_spec(location, options), **kwargs)

    def __repr__(self) -> str:
        return f"OpenEdxAdapter({self.settings.lms_url!r}, course={self.settings.course!r})"

    # -- connection ---------------------------------------------------------------------------------------

    def check_connection(self) -> None:
        """Fetch a token, ask who we are, and (with a course) list one enrollment to prove staff access."""
        self._service_user = self.api.me()
        if self.settings.course:
            next(self.api.iter_enrollments(self.settings.course), None)

    def service_user(self) -> str:
        """The username our token acts as (overrides it made are ours, not a person's)."""
        if self._service_user is None:
            self._service_user = self.api.me()
        return self._service_user

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.api.close()

    # -- reading ------------------------------------------------------------------------------------------

    def course_for(self, course_id: str | None) -> str:
        """``course_id`` or the configured course; ``missing_course`` when neither is known."""
        course = course_id or self.settings.course
        if not course:
            raise FatalError(_("No Open edX course was given (add ?course=course-v1:… to the SPEC)."),
                             code="missing_course", where={"lms": self.settings.lms_url})
        return course.replace(" ", "+")

    def _refuse(self, stream: str, verb: str) -> Unsupported:
        messages = {"read": N_("The Open edX adapter does not read the stream {stream}."),
                    "write": N_("The Open edX adapter does not write the stream {stream}.")}
        return Unsupported(_(messages.get(verb, messages["write"])).format(stream=stream),
                           code="unsupported_stream", where={"stream": stream})

    def read(self, stream: str, scope: ReadScope | None = None) -> Iterator[Record]:
        """Yield ``stream``'s records for the scope's course (or the configured one)."""
        if stream not in self.reads:
            raise self._refuse(stream, "read")
        return self._read(stream, scope or ReadScope())

    def _read(self, stream: str, scope: ReadScope) -> Iterator[Record]:
        course = self.course_for(scope.course_id)
        if stream == "persons":
            yield from self._read_persons(course)
        elif stream == "enrollments":
            yield from self._read_enrollments(course)
        elif stream == "line_items":
            yield LineItem(source=self.name, course_id=course, line_item_id=None, max_score=100.0)
            for sub in self.api.grading_info(course).subsections:
                if sub.graded:
                    yield LineItem(source=self.name, course_id=course, line_item_id=sub.module_id,
                                   title=sub.display_name)
        else:
            yield from self._read_scores(course, scope)

    def resolve_line_items(self, names: Sequence[str], course_id: str | None = None) -> dict[str, str]:
        """``{name: usage key}`` for grade items named by usage key, short id or display name (see
        :mod:`adapters.openedx.items`); ``DataError`` for a name that fits no graded subsection, or several."""
        course = self.course_for(course_id)
        return resolve_items(names, self.api.grading_info(course).subsections, course)

    def _read_enrollments(self, course: str) -> Iterator[Enrollment]:
        """The LMS enrollments (by username, with the 学号 when known), then, with a program, the program's
        course enrollments of every other 学号 (``student_key`` → status): those written by 学号 for people
        with no linked account yet, which the LMS enrollment list cannot show."""
        numbers = self._numbers_by_username(course)
        seen: set[str] = set()
        for item in self.api.iter_enrollments(course):
            number = self._number(item.user, numbers)
            if number:
                seen.add(number)
            person = Person(source=self.name, username=item.user, student_number=number)
            yield Enrollment(source=self.name, person=person, course_id=item.course_id,
                             status="active" if item.is_active else "inactive", mode=item.mode,
                             updated_at=item.created)
        if not self.by_program():
            return
        for key, status in self.program_statuses(course).items():
            if key not in seen:
                yield self.program_enrollment(Person(source=self.name, student_number=key), course, status)

    def _read_persons(self, course: str) -> Iterator[Person]:
        numbers = self._numbers_by_username(course)
        usernames = [item.user for item in self.api.iter_enrollments(course)]
        for account in self._lookup_accounts(usernames):
            yield self._person(account, numbers.get(account.username))

    def _number(self, username: str, numbers: dict[str, str], key: str | None = None) -> str | None:
        """The 学号 of ``username`` by the settings' source: the username itself, the gradebook's
        ``external_user_key`` (``key`` when the caller has it) or the program's ``student_key``; else ``None``."""
        source = self.settings.student_number_source
        if source == "username":
            return username
        if source == "none":
            return None
        return key or numbers.get(username)

    def _person(self, account: Account, number: str | None = None) -> Person:
        ids = {"openedx": str(account.id)} if account.id is not None else {}
        if number is None:
            number = self._number(account.username, {})
        return Person(source=self.name, username=account.username, email=account.email or None,
                      name=account.name or None, student_number=number, external_ids=ids)

    def _read_scores(self, course: str, scope: ReadScope) -> Iterator[Score]:
        numbers = self._numbers_by_username(course)
        page: list = []
        for grade in self.api.iter_course_grades(course):
            page.append(grade)
            if len(page) == ACCOUNTS_PER_LOOKUP:
                yield from self._course_scores(course, page, numbers)
                page = []
        yield from self._course_scores(course, page, numbers)
        if scope.detail == "course":
            return
        mine = self.service_user() if self.settings.overrides == "check" else None
        for entry in self.api.iter_gradebook(course):
            person = Person(source=self.name, username=entry.username, email=entry.email or None,
                            name=entry.full_name or None, external_ids={"openedx": str(entry.user_id)},
                            student_number=self._number(entry.username, numbers, entry.external_user_key))
            for sub in entry.section_breakdown:
                overridden = False
                if mine is not None and sub.attempted:
                    overridden = self.api.subsection_grade(sub.module_id, entry.user_id).overridden_by_person(mine)
                yield Score(source=self.name, person=person, course_id=course, line_item_id=sub.module_id,
                            value=sub.score_earned, max_score=sub.score_possible or None, scale="points",
                            status="graded" if sub.attempted else "pending", overridden=overridden)

    def _course_scores(self, course: str, grades: list, numbers: dict[str, str]) -> Iterator[Score]:
        """Course grades with each learner's full name (姓名), which the course grades API does not give: it is
        the profile's ``name`` from the accounts API (one look-up per :data:`ACCOUNTS_PER_LOOKUP` learners)."""
        names = {a.username: a.name for a in self._lookup_accounts([g.username for g in grades])} if grades else {}
        nameless = [g.username for g in grades if not names.get(g.username)]  # known from the gradebook, no name
        for account in self.api.accounts_by_username(nameless) if nameless else []:
            self._remember(account)
            names[account.username] = account.name
        for grade in grades:
            person = Person(source=self.name, username=grade.username, email=grade.email or None,
                            name=names.get(grade.username) or None,
                            student_number=self._number(grade.username, numbers))
            yield Score(source=self.name, person=person, course_id=course, value=round(grade.percent * 100, 4),
                        scale="percent", text=grade.letter_grade or None)

    # -- programs -----------------------------------------------------------------------------------------

    def by_program(self, person: Person | None = None) -> bool:
        """True when enrollments are written (and read back) as program ``student_key`` rows: a program is set and
        the 学号 come from it; with ``person``, also that the person has a 学号."""
        settings = self.settings
        if not (settings.program and settings.student_number_source == "program"):
            return False
        return person is None or bool(person.student_number)

    def program_statuses(self, course: str) -> dict[str, str]:
        """{student_key: status} of the program's enrollments in ``course``: listed once, again after a program
        write to the course (:meth:`forget_program_statuses`)."""
        with self._lock:
            cached = self._program_rows.get(course)
        if cached is None:
            cached = {row.student_key: row.status for row in self.api.iter_program_course_enrollments(course)}
            with self._lock:
                self._program_rows[course] = cached
        return cached

    def forget_program_statuses(self, course: str) -> None:
        """Drop the listed program enrollments of ``course`` (done after every program write to it, answered or not)."""
        with self._lock:
            self._program_rows.pop(course, None)

    def program_enrollment(self, person: Person, course: str, status: str) -> Enrollment:
        """The Enrollment a program course-enrollment row stands for (``active``, else ``inactive``)."""
        return Enrollment(source=self.name, person=person, course_id=course,
                          status="active" if status == "active" else "inactive")

    def linked_username(self, number: str, course: str) -> str | None:
        """The username whose program ``student_key`` is ``number`` (from the gradebook), or ``None``."""
        self._numbers_by_username(course)
        with self._lock:
            return self._keys.get(course, {}).get(number)

    # -- identity -----------------------------------------------------------------------------------------

    def _numbers_by_username(self, course: str) -> dict[str, str]:
        """{username: 学号} from the gradebook's ``external_user_key`` when the settings use it (cached). A course
        whose writable gradebook is off fails with ``writable_gradebook_off`` naming the waffle flag, instead of
        leaving every learner without a 学号 (and so matching nobody)."""
        if self.settings.student_number_source not in ("program", "external_user_key"):
            return {}
        with self._lock:
            cached = self._keys.get(course)
        if cached is None:
            cached = {}
            for entry in self.api.iter_gradebook(course):
                if entry.external_user_key:
                    cached[entry.external_user_key] = entry.username
                    self._remember(Account(username=entry.username, id=entry.user_id, email=entry.email,
                                           name=entry.full_name))
            with self._lock:
                self._keys[course] = cached
        return {username: number for number, username in cached.items()}

    def _remember(self, account: Account) -> None:
        with self._lock:
            self._accounts[account.username] = account

    def _lookup_accounts(self, usernames: Sequence[str]) -> list[Account]:
        with self._lock:
            missing = [u for u in dict.fromkeys(usernames) if u not in self._accounts]
        for account in self.api.accounts_by_username(missing) if missing else []:
            self._remember(account)
        with self._lock:
            return [self._accounts[u] for u in dict.fromkeys(usernames) if u in self._accounts]

    def username_for(self, person: Person, course: str) -> str | None:
        """The Open edX username of ``person``, or ``None`` when no account can be found.

        With ``student_number=username`` the operator has said Open edX usernames are 学号, so the number wins
        over ``person.username``, which may be another system's login (a OneRoster ``username``).
        """
        source = self.settings.student_number_source
        if person.student_number and source == "username":
            # the number is a username only if such an account exists; else try the e-mail (enrollment_allowed)
            if self._lookup_accounts([person.student_number]):
                return person.student_number
        elif person.username:
            return person.username
        if person.student_number and source in ("program", "external_user_key"):
            self._numbers_by_username(course)
            with self._lock:
                found = self._keys.get(course, {}).get(person.student_number)
            if found:
                return found
        if person.email:
            account = self.api.account_by_email(person.email)
            if account is not None:
                self._remember(account)
                return account.username
        return None

    def user_id_for(self, person: Person, course: str) -> int | None:
        """The Open edX user id of ``person`` (from ``external_ids``, the caches, or an account lookup)."""
        known = person.external_ids.get("openedx")
        if known and known.isdigit():
            return int(known)
        username = self.username_for(person, course)
        if username is None:
            return None
        accounts = self._lookup_accounts([username])
        return accounts[0].id if accounts else None

    def resolve_user_ids(self, people: Sequence[Person], course: str) -> None:
        """Warm the account cache for many people with one lookup per 50 usernames (before a score batch)."""
        names = [p.username for p in people if p.username and not p.external_ids.get("openedx")]
        if names:
            self._lookup_accounts(names)

    # -- writing ------------------------------------------------------------------------------------------

    def write(self, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
        """Apply ``changes``: one ChangeResult per change, in order; per-item failures never fail the batch."""
        if stream not in self.writes:
            raise self._refuse(stream, "write")
        if not changes:
            return []
        writer = EnrollmentWriter(self) if stream == "enrollments" else ScoreWriter(self)
        return writer.write(stream, list(changes))

    def current(self, change: Change) -> Record | None:
        """Re-read the enrollment, or the subsection grade (with its override), that ``change`` is about."""
        if change.stream not in self.writes:
            raise self._refuse(change.stream, "write")
        record = change.record
        course = self.course_for(getattr(record, "course_id", None))
        if isinstance(record, Enrollment):
            return EnrollmentWriter(self).current(record, course)
        if isinstance(record, Score):
            return ScoreWriter(self).current(record, course)
        raise FatalError(_("A change for {stream} must carry a {stream} record.").format(stream=change.stream),
                         code="bad_change", where={"key": change.key})
