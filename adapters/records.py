"""The records every adapter reads and writes: Person, Course, Enrollment, LineItem, Score.

Every external payload (an API response, a spreadsheet row, a OneRoster CSV line) becomes one of these
at the adapter edge; nothing untyped reaches ``sync/``. Records are immutable. Identifiers are text:
a 学号 or 课程号 such as ``"007"`` keeps its leading zeros, and full-width digits or stray spaces are
normalised by :func:`normalize_code` when a record is built.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, overload

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

__all__ = [
    "STREAMS",
    "Code",
    "Course",
    "Enrollment",
    "LineItem",
    "Person",
    "Record",
    "Score",
    "as_utc",
    "normalize_code",
]


def normalize_code(value: Any) -> str | None:
    """Normalise an identifier typed or exported by people: 学号, 课程号, usernames, external keys.

    Full-width characters become ASCII (NFKC), all white space (including the ideographic space and
    zero-width characters) is removed, and a number that a spreadsheet turned into ``20230001.0`` comes
    back as ``"20230001"``. Leading zeros are kept. Empty values become ``None``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a code cannot be a boolean")
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{value!r} is not an identifier")
        value = int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"{value!r} is not an identifier")
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc"))
    return text or None


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC. A naive time is taken to be UTC already: every adapter reads a time without a zone
    that way (OneRoster and Open edX send UTC), and this is the one place that says so."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Code = Annotated[str | None, BeforeValidator(normalize_code)]
"""An identifier field: normalised with :func:`normalize_code`, ``None`` when empty."""


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+(?=[\u3400-\u9fff\uf900-\ufaff])")


def _clean_text(value: Any) -> str | None:
    """Trim and fold white space; drop the padding people type between Chinese characters (张　三 → 张三)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).replace("\u3000", " ").strip()
    text = _CJK_GAP.sub("", " ".join(text.split()))
    return text or None


Text = Annotated[str | None, BeforeValidator(_clean_text)]


class Record(BaseModel):
    """Base of every record: immutable, no unknown fields, and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str | None = Field(default=None, description="the system the record came from, e.g. 'openedx'")


class Person(Record):
    """A learner or teacher as one system knows them. Identity is matched by ``sync.matching``."""

    student_number: Code = Field(default=None, description="学号 (the registrar's key)")
    external_ids: dict[str, str] = Field(default_factory=dict, description="ids per system: {'oneroster': sourcedId}")
    username: Code = None
    email: Text = None
    phone: Code = None
    name: Text = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if value.count("@") != 1 or value.startswith("@") or value.endswith("@"):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("external_ids")
    @classmethod
    def _external_ids(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned = {}
        for system, key in value.items():
            key = normalize_code(key)
            if key:
                cleaned[str(system)] = key
        return cleaned

    def label(self) -> str:
        """A short way to name the person in reports: name and 学号, or whatever is known."""
        parts = [self.name, self.student_number or self.username or self.email]
        return " ".join(p for p in parts if p) or "?"


class Course(Record):
    """A course, or one class (教学班 / section) of it, in one system."""

    course_id: Code = Field(description="the course's id in its system: course-v1:…, 课程号, a sourcedId")
    title: Text = None
    class_id: Code = Field(default=None, description="教学班 / class section, when the system has them")
    term: Text = Field(default=None, description="学年学期, e.g. '2025-2026-1'")
    external_ids: dict[str, str] = Field(default_factory=dict)


class Enrollment(Record):
    """A person in a course with a role."""

    person: Person
    course_id: Code
    role: Literal["student", "teacher", "ta", "staff"] = "student"
    status: Literal["active", "inactive"] = "active"
    mode: str | None = Field(default=None, description="Open edX enrollment mode (audit, verified, …)")
    updated_at: datetime | None = None


class LineItem(Record):
    """A gradable column: an assignment, a subsection, or the course grade itself (``line_item_id=None``)."""

    course_id: Code
    line_item_id: Code = None
    title: Text = None
    max_score: float | None = Field(default=None, gt=0)
    updated_at: datetime | None = None


ScoreScale = Literal["percent", "five_level", "two_level", "points"]
"""百分制, 五级制 (优秀/良好/中等/及格/不及格), 两级制 (合格/不合格), or raw points out of ``max_score``."""

ScoreStatus = Literal["graded", "pending", "exempt", "absent", "deferred", "cheating", "incomplete"]
"""graded; pending (not final); exempt (免修); absent (缺考); deferred (缓考); cheating (作弊); incomplete."""


class Score(Record):
    """One person's grade on one line item (or on the course when ``line_item_id`` is ``None``).

    ``value`` is a number on ``scale`` (out of ``max_score`` for points); ``text`` keeps a grade word
    (优秀, 合格) exactly as the source wrote it. ``overridden`` marks a grade a person set by hand in
    the target (the engine never overwrites it unless forced).
    """

    person: Person
    course_id: Code
    line_item_id: Code = None
    value: float | None = None
    text: Text = None
    max_score: float | None = Field(default=None, gt=0)
    scale: ScoreScale = "percent"
    status: ScoreStatus = "graded"
    timestamp: datetime | None = None
    overridden: bool = False
    comment: Text = None

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("a score must be a finite number")
        return value

    def fraction(self) -> float | None:
        """The score as a fraction of full marks (0..1) when it is numeric, else ``None``."""
        if self.value is None:
            return None
        if self.scale == "points":
            return None if not self.max_score else self.value / self.max_score
        if self.scale == "percent":
            return self.value / (self.max_score or 100.0)
        return None


STREAMS: dict[str, type[Record]] = {
    "persons": Person,
    "courses": Course,
    "enrollments": Enrollment,
    "line_items": LineItem,
    "scores": Score,
}
"""The record streams an adapter may read or write, by name."""
