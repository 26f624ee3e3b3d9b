"""OneRoster objects ↔ records, for the REST client and the CSV bundles alike.

- users → :class:`~adapters.records.Person`: ``external_ids["oneroster"]`` = sourcedId; the 学号 comes from
  ``identifier`` (default), from the ``userIds`` entry of a given type (``userid:<type>``), from ``username``,
  or nowhere (``none``), as configured by :class:`Identity`.
- classes → Course (``course_id`` = the class sourcedId, ``class_id`` = classCode).
- enrollments → Enrollment: roles student → student, teacher → teacher, aide/proctor → ta,
  administrator → staff; ``tobedeleted`` → ``status="inactive"``.
- lineItems → LineItem (``max_score`` = resultValueMax); results → Score (points out of the line item's
  maximum when known).

scoreStatus ↔ Score.status: fully graded ↔ graded; submitted / partially graded → pending (written as
submitted); exempt ↔ exempt; not submitted ↔ absent. Our own status and the source grade's exact timestamp
travel in the result's ``metadata`` (``mooc-bridge.status``, ``mooc-bridge.timestamp``) so a round trip
keeps them; ``scoreDate`` (a date, per the specification) is the source grade's date. A source grade without
a timestamp is taken as current: its time is the time of the change (:func:`stamp_of`). A result without our
metadata was set by a person or another system: it reads as ``overridden`` (a manual grade, :func:`written_by_us`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import Course, Enrollment, LineItem, Person, Score, as_utc

from .models import OrClass, OrEnrollment, OrLineItem, OrResult, OrUser

__all__ = ["ENROLLMENT_ROLE", "META_STATUS", "META_TIMESTAMP", "RESULT_NAMESPACE", "Identity", "checked_maximum",
           "course_record",
           "enrollment_record", "line_item_record", "newer_than", "person_record", "result_id",
           "result_stamp", "score_record", "score_status_for", "status_from", "written_by_us"]

_ = Translator.for_package("adapters").gettext

SYSTEM = "oneroster"
META_PREFIX = "mooc-bridge."
META_STATUS = META_PREFIX + "status"
META_TIMESTAMP = META_PREFIX + "timestamp"
RESULT_NAMESPACE = uuid.UUID("4c6f9a36-0b7e-5d1a-9a55-6f6e65726f73")
"""uuid5 namespace of the result sourcedIds we create: uuid5(ns, "<lineItem>/<student>")."""

ENROLLMENT_ROLE = {"student": "student", "teacher": "teacher", "aide": "ta", "proctor": "ta",
                   "administrator": "staff"}
_ROLE_BACK = {"student": "student", "teacher": "teacher", "ta": "aide", "staff": "administrator"}

_TO_STATUS = {"fully graded": "graded", "submitted": "pending", "partially graded": "pending", "exempt": "exempt",
              "not submitted": "absent"}
_FROM_STATUS = {"graded": "fully graded", "pending": "submitted", "exempt": "exempt", "absent": "not submitted",
                "incomplete": "not submitted", "deferred": "not submitted", "cheating": "fully graded"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Identity:
    """Where a user's 学号 comes from: ``identifier``, ``username``, ``userid:<type>`` or ``none``."""

    student_number: str = "identifier"

    def __post_init__(self) -> None:
        ok = self.student_number in ("identifier", "username", "none") or (
            self.student_number.startswith("userid:") and len(self.student_number) > len("userid:"))
        if not ok:
            raise DataError(_("student_number must be identifier, username, userid:<type> or none, not {v!r}.")
                            .format(v=self.student_number), code="bad_spec", where={"option": "student_number"})

    def number_of(self, user: OrUser) -> str | None:
        """The 学号 of ``user`` by this rule (``None`` when it has none)."""
        source = self.student_number
        if source == "identifier":
            return user.identifier
        if source == "username":
            return user.username
        if source.startswith("userid:"):
            wanted = source.split(":", 1)[1].casefold()
            for entry in user.userIds:
                if (entry.type or "").casefold() == wanted and entry.identifier:
                    return entry.identifier
        return None


def full_name(given: str | None, family: str | None) -> str | None:
    """张三 for Chinese names (family name first, no space); "Given Family" otherwise."""
    given, family = (given or "").strip(), (family or "").strip()
    if not given or not family or given == family:  # one word is written as both (both are required in CSV)
        return (family or given) or None
    if _CJK.search(given) and _CJK.search(family):
        return family + given
    return f"{given} {family}"


def person_record(user: OrUser, identity: Identity) -> Person:
    """A :class:`Person` from a OneRoster user."""
    email = (user.email or "").strip() or None
    if email and email.count("@") != 1:
        email = None  # a malformed address is not an identity key; keep the rest of the person
    return Person(source=SYSTEM, student_number=identity.number_of(user), external_ids={SYSTEM: user.sourcedId},
                  username=user.username, email=email, phone=user.phone or user.sms,
                  name=full_name(user.givenName, user.familyName))


def stub_person(sourced_id: str) -> Person:
    """The person behind a reference we could not resolve: only the OneRoster id is known."""
    return Person(source=SYSTEM, external_ids={SYSTEM: sourced_id})


def course_record(klass: OrClass) -> Course:
    """A :class:`Course` from a OneRoster class."""
    ids = {SYSTEM: klass.sourcedId}
    if klass.course is not None:
        ids["oneroster_course"] = klass.course.sourcedId
    term = klass.terms[0].sourcedId if klass.terms else None
    return Course(source=SYSTEM, course_id=klass.sourcedId, title=klass.title, class_id=klass.classCode,
                  term=term, external_ids=ids)


def status_from(deleted: bool) -> str:
    """``inactive`` for objects marked ``tobedeleted``."""
    return "inactive" if deleted else "active"


def enrollment_record(enrollment: OrEnrollment, person: Person) -> Enrollment | None:
    """An :class:`Enrollment`, or ``None`` for a role we do not sync (guardian, ``ext:`` roles)."""
    role = ENROLLMENT_ROLE.get(enrollment.role.strip())
    if role is None:
        return None
    return Enrollment(source=SYSTEM, person=person, course_id=enrollment.class_.sourcedId, role=role,
                      status=status_from(enrollment.deleted), updated_at=enrollment.dateLastModified)


def enrollment_role(role: str) -> str:
    """The OneRoster enrollment role for a record role."""
    return _ROLE_BACK.get(role, "student")


def line_item_record(item: OrLineItem, course_id: str | None = None) -> LineItem:
    """A :class:`LineItem` (``course_id`` from the item's class, or given)."""
    maximum = item.resultValueMax if item.resultValueMax and item.resultValueMax > 0 else None
    course = item.class_.sourcedId if item.class_ is not None else course_id
    return LineItem(source=SYSTEM, course_id=course, line_item_id=item.sourcedId, title=item.title,
                    max_score=maximum, updated_at=item.dateLastModified)


def score_record(result: OrResult, person: Person, course_id: str | None, max_score: float | None) -> Score:
    """A :class:`Score` from a result; points out of ``max_score`` when the line item says it."""
    meta = result.metadata or {}
    status = _TO_STATUS.get(result.scoreStatus.strip(), "pending")
    ours = meta.get(META_STATUS)
    if isinstance(ours, str) and _FROM_STATUS.get(ours) == result.scoreStatus.strip():
        status = ours
    stamp = result_stamp(result)
    scale = "points" if max_score else "percent"
    return Score(source=SYSTEM, person=person, course_id=course_id, line_item_id=result.lineItem.sourcedId,
                 value=result.score, text=result.textScore, max_score=max_score, scale=scale, status=status,
                 timestamp=stamp, comment=result.comment, overridden=not written_by_us(result))


def score_status_for(score: Score) -> str:
    """The ``scoreStatus`` to write for ``score``."""
    return _FROM_STATUS.get(score.status, "fully graded")


def checked_maximum(value: float | None, where: str) -> float | None:
    """``value`` as a maximum score to rescale by; ``DataError`` ``bad_maximum`` when it is below zero (a negative
    maximum would turn every grade upside down). ``where`` names the item or grade for the message."""
    if value is not None and value < 0:
        raise DataError(_("{where} has the maximum score {value}, below zero; no grade is rescaled by it. Correct "
                          "the maximum (resultValueMax, or the source's full marks) and run again.").format(
                              where=where, value=value), code="bad_maximum", where={"item": where})
    return value


def points_for(score: Score, result_max: float | None) -> float | None:
    """``score.value`` on the line item's scale (``resultValueMax``), or ``None`` for a text grade. A negative
    maximum on either side raises ``DataError`` ``bad_maximum`` (:func:`checked_maximum`)."""
    if score.value is None:
        return None
    item = score.line_item_id or "?"
    checked_maximum(score.max_score, item)
    checked_maximum(result_max, item)
    if score.scale == "points":
        if score.max_score and result_max and abs(score.max_score - result_max) > 1e-9:
            return round(score.value / score.max_score * result_max, 6)
        return score.value
    fraction = score.fraction()
    if fraction is not None and result_max:
        return round(fraction * result_max, 6)
    return score.value


def result_id(line_item: str, student: str) -> str:
    """The deterministic sourcedId of the result we create for (line item, student)."""
    return str(uuid.uuid5(RESULT_NAMESPACE, f"{line_item}/{student}"))


def stamp_of(score: Score, now: datetime | None = None) -> datetime:
    """The source grade's timestamp (UTC). A score without one (spreadsheets, Open edX) is taken as current
    (docs/decisions/0012): ``now``, the time of the change (default: the clock)."""
    return as_utc(score.timestamp or now or datetime.now(UTC))


def result_stamp(result: OrResult) -> datetime | None:
    """When a result's grade was given: our exact timestamp in ``metadata`` (a result we wrote), else the later
    of ``scoreDate`` (a date, taken at 00:00 UTC) and ``dateLastModified`` — a result re-graded at 15:00 must
    not look older than a source grade of 10:00 that day; ``None`` when it says none of these."""
    ours = _parse_stamp((result.metadata or {}).get(META_TIMESTAMP))
    if ours is not None:
        return ours
    stamps = [s for s in (_parse_date(result.scoreDate), as_utc(result.dateLastModified)) if s is not None]
    return max(stamps, default=None)


def written_by_us(result: OrResult) -> bool:
    """Whether mooc-bridge wrote ``result``: it carries our ``mooc-bridge.*`` metadata. Any other result was
    set by a person or another system and counts as a manual grade, never overwritten without force (a
    provider that drops ``metadata`` makes every result look manual: safe, and the report says so)."""
    return any(str(key).startswith(META_PREFIX) for key in (result.metadata or {}))


def newer_than(stored: datetime | None, source: datetime | None) -> bool:
    """Whether a stored grade is newer than the source's: only when both have a real timestamp (the planner's
    ``target_newer`` rule, :mod:`sync.plan_grades`), so a timestamp-less source grade is an update."""
    if stored is None or source is None:
        return False
    return as_utc(stored) > as_utc(source)


def _parse_stamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(stamp)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value[:10]))
    except ValueError:
        return None


def parse_stamp(value: Any) -> datetime | None:
    """An ISO date-time (``Z`` allowed) or ``None`` when missing or unreadable."""
    return _parse_stamp(value)
