"""The rows mooc-bridge writes into OneRoster CSV bundles, and the cells it will not write as they are.

Rows (:class:`RowMaker`): users get a ``username`` always — the column is required (1.1 and 1.2 CSV binding;
LongsightGroup's validator reports a blank one) — the person's own, else the sourcedId we give them; line items
carry ``assignDate``/``dueDate`` as dates (the CSV binding's Date, ``YYYY-MM-DD``); every row carries
``dateLastModified`` = the time of the write, which a delta bundle keeps and a bulk bundle leaves blank.

Formula injection (OWASP "CSV Injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula when a registrar opens users.csv in a spreadsheet. Free-text cells (names, titles,
comments, phone numbers; :data:`TEXT_COLUMNS`) are written with a single quote in front (:func:`safe_text`,
OWASP's remedy), and read back without it (:func:`unsafe_text`). Identifier cells (sourcedIds, usernames,
e-mail addresses, 学号) are keys other systems match on, so a quote would change them: such a value is refused
(``formula_cell``) and the change fails with the column named. Plain numbers (``-5``) and phone numbers
(``+86 138 0000 0000``) are not formulas and are written as they are.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import Course, Enrollment, LineItem, Person, Score

from .convert import (
    META_STATUS,
    META_TIMESTAMP,
    RESULT_NAMESPACE,
    Identity,
    checked_maximum,
    enrollment_role,
    points_for,
    result_id,
    score_status_for,
    stamp_of,
)
from .filters import format_datetime

__all__ = ["TEXT_COLUMNS", "RowMaker", "check_cells", "format_user_ids", "risky", "safe_text", "split_name",
           "unsafe_text"]

_ = Translator.for_package("adapters").gettext

TEXT_COLUMNS = frozenset({"givenName", "familyName", "middleName", "preferredGivenName", "preferredMiddleName",
                          "preferredFamilyName", "pronouns", "title", "name", "description", "comment", "textScore",
                          "location", "classCode", "courseCode", "phone", "sms"})
"""Free-text columns: a formula-like value is written with a quote in front (see the module docstring)."""

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PHONE = re.compile(r"^\+[\d ().-]+$")
CATEGORY = "category-mooc-bridge"


def risky(value: Any) -> bool:
    """Whether a spreadsheet would run ``value`` as a formula (a plain number or phone number is not one)."""
    text = str(value or "")
    return text.startswith(_TRIGGERS) and not _NUMBER.match(text) and not _PHONE.match(text)


def safe_text(value: Any) -> str:
    """A free-text cell as written: a formula-like value gets a single quote in front."""
    text = str(value or "")
    return "'" + text if risky(text) else text


def unsafe_text(value: str) -> str:
    """A free-text cell as meant: the quote :func:`safe_text` put in front of a formula-like value removed."""
    return value[1:] if value.startswith("'") and risky(value[1:]) else value


def check_cells(name: str, row: dict[str, Any]) -> None:
    """Refuse (``DataError`` ``formula_cell``) a row whose identifier cells a spreadsheet would run as formulas."""
    for column, value in row.items():
        if column not in TEXT_COLUMNS and not column.startswith("metadata.") and risky(value):
            raise DataError(_("{file}: the {column} value {value!r} starts like a spreadsheet formula, so it is not "
                              "written (it would run when the file is opened). Correct it in the source.").format(
                                  file=name, column=column, value=str(value)[:40]),
                            code="formula_cell",
                            where={"file": name, "column": column, "sourcedId": row.get("sourcedId")})


def split_name(name: str | None) -> tuple[str, str]:
    """(given, family): 张三 → (三, 张); "Ada Lovelace" → (Ada, Lovelace); one word → (it, it)."""
    name = (name or "").strip()
    if not name:
        return "", ""
    if " " in name:
        given, _sep, family = name.rpartition(" ")
        return given, family
    if all("\u3400" <= ch <= "\u9fff" for ch in name) and len(name) >= 2:
        return name[1:], name[0]
    return name, name


def format_user_ids(ids: list[tuple[str, str]]) -> str:
    """``[("SIS", "1")]`` → ``{SIS:1}``."""
    return ",".join(f"{{{kind}:{ident}}}" for kind, ident in ids)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class RowMaker:
    """Builds the rows of one bundle: its version, org, term and identity rule (see the module docstring)."""

    version: str
    org: str
    term: str
    source_name: str
    identity: Identity

    def base(self, sid: str, now: datetime, deleted: bool = False) -> dict[str, Any]:
        """``sourcedId``, ``status`` and ``dateLastModified`` (the time of the write)."""
        return {"sourcedId": sid, "status": "tobedeleted" if deleted else "active",
                "dateLastModified": format_datetime(now)}

    def user_id(self, person: Person) -> str:
        """The sourcedId a person gets in the bundle: OneRoster id, else 学号, else username."""
        sid = person.external_ids.get("oneroster") or person.student_number or person.username
        if not sid:
            raise DataError(_("{person} has no OneRoster id, 学号 or username to write.").format(
                person=person.label()), code="unknown_person")
        return sid

    def context(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The org and term rows every class, enrollment and line item points to."""
        return [("orgs.csv", {**self.base(self.org, now), "name": self.source_name, "type": "school"}),
                ("academicSessions.csv", {**self.base(self.term, now), "title": self.term, "type": "term",
                                          "startDate": "2000-01-01", "endDate": "2100-01-01", "schoolYear": "2100"})]

    def user(self, person: Person, role: str, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The users.csv row of ``person`` (and its roles.csv row in 1.2)."""
        sid = self.user_id(person)
        given, family = split_name(person.name)
        row = {**self.base(sid, now), "enabledUser": "true", "username": person.username or sid,
               "givenName": given, "familyName": family, "email": person.email or "", "phone": person.phone or "",
               "identifier": person.student_number or ""}
        if self.identity.student_number.startswith("userid:") and person.student_number:
            row["userIds"] = format_user_ids([(self.identity.student_number[7:], person.student_number)])
            row["identifier"] = ""
        if self.version == "1.1":
            row.update(orgSourcedIds=self.org, role=role)
            return [("users.csv", row)]
        row["primaryOrgSourcedId"] = self.org
        return [("users.csv", row), ("roles.csv", {**self.base(f"{sid}-role", now), "userSourcedId": sid,
                                                   "roleType": "primary", "role": role, "orgSourcedId": self.org})]

    def course(self, course: str, title: str | None, now: datetime) -> tuple[str, dict[str, Any]]:
        """The courses.csv row a class points to."""
        return "courses.csv", {**self.base(course, now), "title": title or course, "courseCode": course,
                               "orgSourcedId": self.org}

    def klass(self, record: Course, now: datetime) -> tuple[str, dict[str, Any]]:
        """The classes.csv row of ``record`` (a class with no other course is its own course)."""
        course = record.external_ids.get("oneroster_course") or record.course_id or ""
        return "classes.csv", {**self.base(record.course_id or "", now), "title": record.title or record.course_id,
                               "courseSourcedId": course, "classCode": record.class_id or "",
                               "classType": "scheduled", "schoolSourcedId": self.org, "termSourcedIds": self.term}

    def enrollment_id(self, course_id: str, user: str) -> str:
        """The deterministic sourcedId of the enrollment of ``user`` in ``course_id``."""
        return str(uuid.uuid5(RESULT_NAMESPACE, f"enrollment/{course_id}/{user}"))

    def enrollment(self, e: Enrollment, deleted: bool, now: datetime) -> tuple[str, dict[str, Any]]:
        """The enrollments.csv row of ``e``."""
        role = enrollment_role(e.role)
        user = self.user_id(e.person)
        return "enrollments.csv", {**self.base(self.enrollment_id(e.course_id or "", user), now, deleted),
                                   "classSourcedId": e.course_id, "schoolSourcedId": self.org, "userSourcedId": user,
                                   "role": role, "primary": "true" if role == "teacher" else "false"}

    def line_item(self, item: LineItem, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The lineItems.csv row of ``item`` and the category it sits in."""
        maximum = checked_maximum(item.max_score, item.line_item_id or "?") or 100.0
        day = (item.updated_at or now).date().isoformat()
        row = {**self.base(item.line_item_id or "", now), "title": item.title or item.line_item_id,
               "assignDate": day, "dueDate": day, "classSourcedId": item.course_id, "categorySourcedId": CATEGORY,
               "resultValueMin": "0", "resultValueMax": _num(maximum)}
        row["gradingPeriodSourcedId" if self.version == "1.1" else "academicSessionSourcedId"] = self.term
        if self.version == "1.2":
            row["schoolSourcedId"] = self.org
        return [("categories.csv", {**self.base(CATEGORY, now), "title": "mooc-bridge"}), ("lineItems.csv", row)]

    def result(self, score: Score, maximum: float | None, now: datetime) -> tuple[str, dict[str, Any]]:
        """The results.csv row of ``score`` on a line item of ``maximum`` points."""
        student = self.user_id(score.person)
        stamp = stamp_of(score, now)
        points = points_for(score, maximum)
        row = {**self.base(result_id(score.line_item_id or "", student), now),
               "lineItemSourcedId": score.line_item_id, "studentSourcedId": student,
               "scoreStatus": score_status_for(score), "score": "" if points is None else _num(points),
               "scoreDate": stamp.date().isoformat(), "comment": score.comment or ""}
        if self.version == "1.2":
            row.update(textScore=score.text or "", classSourcedId=score.course_id)
        row["metadata." + META_STATUS] = score.status
        row["metadata." + META_TIMESTAMP] = format_datetime(stamp)  # the grade's own time, as REST writes it
        return "results.csv", row
