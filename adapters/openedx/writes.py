"""The Open edX enrollment writes (program, bulk, one by one, enrollment_allowed) and what every writer shares.

Each writer turns a batch of changes into the fewest requests the settings allow and maps the per-item
answers back onto one :class:`~adapters.base.ChangeResult` per change, in order. A failure of one item is
that change's failure; a failure of a whole request is the failure of the changes it carried (with
``retriable`` set when trying again may help). Nothing here raises for a single bad change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from adapters.base import Change, ChangeResult
from adapters.errors import AdapterError, FatalError
from adapters.http.retry import NOT_SENT_CODES
from adapters.i18n import Translator
from adapters.records import Enrollment, Person

from .api import PROGRAM_WRITE_LIMIT

if TYPE_CHECKING:  # pragma: no cover
    from .host import WriterHost

__all__ = ["RESEND_ROUNDS", "EnrollmentWriter", "Writer", "chunks", "lost_answer", "unknown_person"]

_ = Translator.for_package("adapters").gettext

PROGRAM_OK = frozenset({"active", "inactive"})
"""Program-course enrollment statuses that mean success; anything else (not-in-program, conflict…) is a failure."""

PROGRAM_JOINED = frozenset({"enrolled", "pending", "conflict"})
"""Answers to a program enrollment POST that leave the 学号 in the program (``conflict``: it was there already)."""

RESEND_ROUNDS = 2
"""How often a write whose answer was lost is sent again, each time only for what a re-read shows is missing."""


def lost_answer(exc: AdapterError) -> bool:
    """True when a request may have reached the LMS and been acted on though no answer came back
    (read timeout, a connection dropped after sending, 5xx): re-read before sending anything again."""
    return exc.retriable and exc.code not in NOT_SENT_CODES


class Writer:
    """A batch of changes of one stream → one ChangeResult per change, in order (subclasses send them)."""

    record_type: type = object

    def __init__(self, adapter: WriterHost):
        self.adapter = adapter
        self.api = adapter.api
        self.results: list[ChangeResult | None] = []

    def write(self, stream: str, changes: list[Change]) -> list[ChangeResult]:
        """Check every change, :meth:`apply` the good ones; a change left without a result is ``missing_result``."""
        self.results = [None] * len(changes)
        todo: list[tuple[int, Change, str]] = []
        for i, change in enumerate(changes):
            if change.stream != stream:
                self.fail(i, change, FatalError(_("This change is for {other}, not {stream}.").format(
                    other=change.stream, stream=stream), code="wrong_stream", where={"key": change.key}))
            elif not isinstance(change.record, self.record_type):
                self.fail(i, change, FatalError(_("A change for {stream} must carry a {stream} record.").format(
                    stream=stream), code="bad_change", where={"key": change.key}))
            else:
                try:
                    todo.append((i, change, self.adapter.course_for(change.record.course_id)))
                except AdapterError as exc:
                    self.fail(i, change, exc)
        if todo:
            self.apply(todo)
        return [r if r is not None else ChangeResult(
            key=changes[i].key, status="failed", message=_("Open edX gave no result for this change."),
            error={"code": "missing_result", "message": "no result", "retriable": True}, retriable=True)
            for i, r in enumerate(self.results)]

    def apply(self, todo: list[tuple[int, Change, str]]) -> None:  # pragma: no cover - abstract
        """Send ``todo`` (index, change, course) and record a result for each."""
        raise NotImplementedError

    def ok(self, i: int, change: Change, status: str = "applied", message: str | None = None) -> None:
        """Record change ``i`` as done (``applied`` or ``unchanged``)."""
        self.results[i] = ChangeResult(key=change.key, status=status, message=message)

    def fail(self, i: int, change: Change, exc: AdapterError) -> None:
        """Record change ``i`` as failed with ``exc`` (retriable when it is)."""
        self.results[i] = ChangeResult(key=change.key, status="failed", message=exc.message, error=exc.to_dict(),
                                       retriable=exc.retriable)

    def pause(self, exc: AdapterError, round_: int) -> None:
        """Wait before sending again after a lost answer (the server's Retry-After, else the policy's back-off)."""
        policy = getattr(getattr(self.api, "client", None), "policy", None)
        if policy is None:
            return
        wait = getattr(exc, "retry_after", None)
        policy.sleep(policy.backoff(round_) if wait is None else min(float(wait), policy.retry_after_cap))

    def guarded(self, items: Sequence[tuple[int, Change, Any]], fn: Callable[[], None]) -> None:
        """Run ``fn``; if the whole request fails, fail every change of ``items`` not yet decided."""
        try:
            fn()
        except AdapterError as exc:
            for i, change, *_rest in items:
                if self.results[i] is None:
                    self.fail(i, change, exc)


def chunks(items: list, size: int) -> list[list]:
    """``items`` in lists of at most ``size``."""
    return [items[i:i + size] for i in range(0, len(items), size)]


class EnrollmentWriter(Writer):
    """Enrollments: program ``student_key`` rows, bulk enroll, one POST per learner, or enrollment_allowed."""

    record_type = Enrollment

    def apply(self, todo: list[tuple[int, Change, str]]) -> None:
        """Program rows first (by 学号), then bulk enroll or one request per learner."""
        settings = self.adapter.settings
        programmed, others = [], []
        for item in todo:
            if self.adapter.by_program(item[1].record.person):
                programmed.append(item)
            else:
                others.append(item)
        by_course: dict[str, list] = defaultdict(list)
        for item in programmed:
            by_course[item[2]].append(item)
        for course, items in by_course.items():
            for chunk in chunks(items, PROGRAM_WRITE_LIMIT):
                self.guarded(chunk, lambda c=chunk, k=course: self._program(k, c))
        if not others:
            return
        resolved: list[tuple[int, Change, str, str | None]] = []
        for i, change, course in others:
            try:
                resolved.append((i, change, course, self.adapter.username_for(change.record.person, course)))
            except AdapterError as exc:
                self.fail(i, change, exc)
        if settings.bulk_enroll:
            self._bulk(resolved)
        else:
            for item in resolved:
                self.guarded([item], lambda it=item: self._single(*it))

    @staticmethod
    def _active(change: Change) -> bool:
        return change.action != "delete" and change.record.status == "active"

    def _program(self, course: str, items: list) -> None:
        """PUT the program course enrollments; a 学号 not yet in the program joins it first, then is PUT again."""
        answer, status = self._put_program_rows(course, items)
        joining = []
        for i, change, k in items:
            outcome = answer.get(change.record.person.student_number or "")
            if outcome == "not-in-program" and self._active(change):
                joining.append((i, change, k))
            elif outcome == "not-in-program":  # never in the program, so not in its course: nothing to unenrol
                self.ok(i, change, "unchanged")
            else:
                self._program_outcome(i, change, course, outcome, status, PROGRAM_OK)
        if joining:
            admitted = self._join_program(joining)
            if admitted:
                answer, status = self._put_program_rows(course, admitted)
                for i, change, _k in admitted:
                    outcome = answer.get(change.record.person.student_number or "")
                    self._program_outcome(i, change, course, outcome, status, PROGRAM_OK)

    def _put_program_rows(self, course: str, items: list) -> tuple[dict, int]:
        rows = [{"student_key": c.record.person.student_number, "status": "active" if self._active(c) else "inactive"}
                for _i, c, _k in items]
        try:
            status, answer = self.api.write_program_course_enrollments(course, rows)
        finally:  # whatever the answer (even none), list them again before reading any back
            self.adapter.forget_program_statuses(course)
        return answer, status

    def _join_program(self, items: list) -> list:
        """Create the program enrollments (``enrolled``) of ``items``' 学号; return the items now in the program.

        Following ``write_program_enrollments`` (``lms/djangoapps/program_enrollments/api/writing.py``): a POST
        creates only, so ``conflict`` means the 学号 is there already, which is what we wanted.
        """
        program = self.adapter.settings.program or ""
        curriculum = self.api.program_curriculum()
        if curriculum is None:
            error = FatalError(_(
                "Program {program} has no enrollment to take a curriculum from, and new program enrollments need one: "
                "add curriculum=<uuid> to the SPEC (the uuid of the program's active curriculum in the catalog)."
            ).format(program=program), code="no_curriculum", where={"program": program})
            for i, change, _k in items:
                self.fail(i, change, error)
            return []
        status, answer = self.api.create_program_enrollments(
            [c.record.person.student_number or "" for _i, c, _k in items], curriculum)
        admitted = []
        for i, change, k in items:
            outcome = answer.get(change.record.person.student_number or "")
            if outcome in PROGRAM_JOINED:
                admitted.append((i, change, k))
            else:
                self._program_outcome(i, change, None, outcome, status, PROGRAM_JOINED)
        return admitted

    def _program_outcome(self, i: int, change: Change, course: str | None, outcome: str | None, status: int,
                         ok: frozenset[str]) -> None:
        """Record one student's answer: OK statuses applied; the others a typed failure (retriable when the LMS
        says ``internal-error`` or gave no answer for the 学号)."""
        if outcome in ok:
            self.ok(i, change)
            return
        key = change.record.person.student_number
        program = self.adapter.settings.program
        code = (outcome or "missing_result").replace("-", "_")
        if course is None:
            message = _("Open edX refused to add {key} to program {program}: {status}").format(
                key=key, program=program, status=outcome or "?")
            where = {"program": program, "student_key": key}
        else:
            message = _("Open edX refused the program enrollment of {key}: {status}").format(
                key=key, status=outcome or "?")
            where = {"course_id": course, "student_key": key}
        self.fail(i, change, FatalError(message, code=code, status=status, where=where))
        if outcome == "internal-error" or outcome is None:
            r = self.results[i]
            self.results[i] = r.model_copy(update={"retriable": True}) if r else r

    def _single(self, i: int, change: Change, course: str, username: str | None) -> None:
        active = self._active(change)
        person = change.record.person
        if username is None:
            if not person.email:
                self.fail(i, change, unknown_person(person))
            elif active:
                created = self.api.allow_enrollment(person.email, course)
                self.ok(i, change, "applied" if created else "unchanged",
                        _("No account yet: allowed to enrol on registration."))
            else:
                deleted = self.api.disallow_enrollment(person.email, course)
                self.ok(i, change, "applied" if deleted else "unchanged")
            return
        mode = change.record.mode or self.adapter.settings.mode
        result = self._set_enrollment(username, course, active, mode if active else change.record.mode)
        if result.is_active == active:
            self.ok(i, change)
        else:
            message = _("Open edX did not change the enrollment of {user}.").format(user=username)
            self.fail(i, change, FatalError(message, code="not_applied",
                                            where={"course_id": course, "username": username}))

    def _set_enrollment(self, username: str, course: str, active: bool, mode: str | None):
        """Set the enrollment; after a lost answer, re-read it and send again only if it is not so (bounded)."""
        for round_ in range(RESEND_ROUNDS + 1):
            try:
                return self.api.set_enrollment(username, course, active, mode)
            except AdapterError as exc:
                if not lost_answer(exc) or round_ == RESEND_ROUNDS:
                    raise
                try:
                    now = self.api.enrollment(username, course)
                except AdapterError as again:
                    raise exc from again
                if now is not None and now.is_active == active and (not active or not mode or now.mode == mode):
                    return now
                self.pause(exc, round_ + 1)
        raise AssertionError("unreachable")  # pragma: no cover

    def _bulk(self, items: list[tuple[int, Change, str, str | None]]) -> None:
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for item in items:
            i, change, course, username = item
            ident = username or change.record.person.email
            if not ident:
                self.fail(i, change, unknown_person(change.record.person))
                continue
            groups[(course, "enroll" if self._active(change) else "unenroll")].append((i, change, ident))
        for (course, action), group in groups.items():
            for chunk in chunks(group, self.adapter.batch_size):
                self.guarded(chunk, lambda c=chunk, k=course, a=action: self._bulk_call(k, a, c))

    def _bulk_call(self, course: str, action: str, items: list) -> None:
        answers = {r.identifier.strip().lower(): r for r in self.api.bulk_enroll([x[2] for x in items], course, action)}
        for i, change, ident in items:
            r = answers.get(ident.strip().lower())
            if r is None:
                continue  # reported as missing_result (retriable) by write()
            if r.error or r.invalidIdentifier:
                code = "invalid_identifier" if r.invalidIdentifier else "enrollment_error"
                message = (_("Open edX could not enrol {who}.") if action == "enroll"
                           else _("Open edX could not unenrol {who}.")).format(who=ident)
                self.fail(i, change, FatalError(message, code=code, where={"course_id": course, "identifier": ident}))
            else:
                self.ok(i, change, "unchanged" if r.before == r.after else "applied")

    def current(self, record: Enrollment, course: str) -> Enrollment | None:
        """The learner's enrollment now (or an ``enrollment_allowed`` marker for someone without an account).

        Written by 学号 to a program: the LMS enrollment of the account linked to that 学号, else (no linked
        account, or not enrolled) the program's course-enrollment row, as the enrollments read shows it.
        """
        person = record.person
        if self.adapter.by_program(person):
            number = person.student_number or ""
            linked = self.adapter.linked_username(number, course)
            item = self.api.enrollment(linked, course) if linked else None
            if item is None:
                status = self.adapter.program_statuses(course).get(number)
                return None if status is None else self.adapter.program_enrollment(person, course, status)
            return Enrollment(source="openedx", person=person.model_copy(update={"username": linked}),
                              course_id=item.course_id, status="active" if item.is_active else "inactive",
                              mode=item.mode, updated_at=item.created)
        username = self.adapter.username_for(person, course)
        if username is None:
            if person.email and any(a.course_id == course for a in self.api.enrollment_allowed(person.email)):
                return Enrollment(source="openedx", person=person, course_id=course, mode="enrollment_allowed")
            return None
        item = self.api.enrollment(username, course)
        if item is None:
            return None
        return Enrollment(source="openedx", person=person.model_copy(update={"username": username}),
                          course_id=item.course_id, status="active" if item.is_active else "inactive",
                          mode=item.mode, updated_at=item.created)


def unknown_person(person: Person) -> FatalError:
    """The error for a person no Open edX account matches."""
    return FatalError(_("No Open edX account matches {who}.").format(who=person.label()), code="unknown_person",
                      where={"person": person.label()})
