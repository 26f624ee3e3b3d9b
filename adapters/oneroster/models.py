"""Pydantic models of the OneRoster JSON shapes we read (1.1 and 1.2), and of ``imsx_StatusInfo``.

Providers add vendor fields and leave optional ones out, so unknown fields are ignored and only what
we use is typed. A record that does not fit (no ``sourcedId``, a bad date) raises ``ValidationError``,
which the client turns into a :class:`~adapters.errors.DataError` naming the collection and record.
1.1 users carry ``role`` and ``orgs``; 1.2 users carry ``roles`` and ``primaryOrg``; both are accepted.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["GUIDRef", "OrClass", "OrEnrollment", "OrLineItem", "OrResult", "OrUser", "StatusInfo", "UserId",
           "minor_codes", "status_details"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class GUIDRef(_Model):
    """A reference to another object: ``{"href", "sourcedId", "type"}``."""

    sourcedId: str
    type: str | None = None
    href: str | None = None


class _Base(_Model):
    sourcedId: str = Field(min_length=1)
    status: str = "active"
    dateLastModified: datetime | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        # 1.0 wrote "inactive"; 1.1 and 1.2 say to read it as "tobedeleted".
        value = str(value or "active").strip().lower()
        return "tobedeleted" if value == "inactive" else value

    @property
    def deleted(self) -> bool:
        """True when the provider marks the object ``tobedeleted``."""
        return self.status == "tobedeleted"


class UserId(_Model):
    """An entry of ``userIds``: ``{"type", "identifier"}``."""

    type: str | None = None
    identifier: str | None = None


class OrUser(_Base):
    """A user (1.1 or 1.2)."""

    username: str | None = None
    userIds: list[UserId] = Field(default_factory=list)
    enabledUser: str | bool | None = None
    givenName: str | None = None
    familyName: str | None = None
    middleName: str | None = None
    role: str | None = None
    roles: list[dict[str, Any]] = Field(default_factory=list)
    identifier: str | None = None
    email: str | None = None
    sms: str | None = None
    phone: str | None = None

    @field_validator("userIds", "roles", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return value or []


class OrClass(_Base):
    """A class (a section of a course)."""

    title: str | None = None
    classCode: str | None = None
    course: GUIDRef | None = None
    school: GUIDRef | None = None
    terms: list[GUIDRef] = Field(default_factory=list)

    @field_validator("terms", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return value or []


class OrEnrollment(_Base):
    """An enrollment of a user in a class."""

    user: GUIDRef
    class_: GUIDRef = Field(alias="class")
    school: GUIDRef | None = None
    role: str
    primary: str | bool | None = None
    beginDate: str | None = None
    endDate: str | None = None


class OrLineItem(_Base):
    """A gradebook column."""

    title: str | None = None
    description: str | None = None
    class_: GUIDRef | None = Field(default=None, alias="class")
    resultValueMin: float | None = None
    resultValueMax: float | None = None


class OrResult(_Base):
    """One student's result on a line item."""

    lineItem: GUIDRef
    student: GUIDRef
    class_: GUIDRef | None = Field(default=None, alias="class")
    scoreStatus: str
    score: float | None = None
    textScore: str | None = None
    scoreDate: str | None = None
    comment: str | None = None

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, value: Any) -> Any:
        return None if value in ("", None) else value


class StatusInfo(_Model):
    """An ``imsx_StatusInfo`` error body."""

    imsx_codeMajor: str | None = None
    imsx_severity: str | None = None
    imsx_description: str | None = None
    imsx_CodeMinor: dict[str, Any] | None = None


DETAIL_LIMIT = 300
"""At most this many characters of a provider's ``imsx_description`` go into a message."""
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")


def status_details(body: Any) -> str | None:
    """What a provider said in its ``imsx_StatusInfo`` (``codeMajor/severity: description``), made safe to show:
    control and bidirectional characters become spaces, whitespace is collapsed, and the text is cut to
    :data:`DETAIL_LIMIT` characters; ``None`` when the body says nothing."""
    info = _status_info(body)
    if info is None:
        return None
    parts = [str(info.get(k) or "").strip() for k in ("imsx_codeMajor", "imsx_severity")]
    head = "/".join(p for p in parts if p)
    text = " ".join(_UNPRINTABLE.sub(" ", str(info.get("imsx_description") or "")).split())
    if len(text) > DETAIL_LIMIT:
        text = text[: DETAIL_LIMIT - 1] + "…"
    said = ": ".join(p for p in (_UNPRINTABLE.sub(" ", head)[:40], text) if p)
    return said or None


def _status_info(body: Any) -> dict | None:
    import json

    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:  # a body cut short by the HTTP layer: take the fields that are there
            found = {name: _json_text(m.group(2)) for m in _IMSX_FIELD.finditer(body)
                     for name in [m.group(1)] if name}
            return found or None
    if not isinstance(body, dict):
        return None
    for info in (body.get("imsx_StatusInfo"), *(body.get("statusInfoSet") or [])[:1], body):
        if isinstance(info, dict) and ("imsx_codeMajor" in info or "imsx_description" in info):
            return info
    return None


_IMSX_FIELD = re.compile(r'"(imsx_codeMajor|imsx_severity|imsx_description)"\s*:\s*"((?:[^"\\]|\\.)*)')


def _json_text(raw: str) -> str:
    import json

    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw.rstrip("\\")


def minor_codes(body: Any) -> list[str]:
    """The ``imsx_codeMinorFieldValue`` values of an error body (a dict, or a JSON text), else ``[]``.

    Accepts the object itself, one wrapped as ``{"imsx_StatusInfo": …}`` and 1.1's ``statusInfoSet``.
    """
    import json

    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return []
    infos: list[Any] = []
    if isinstance(body, dict):
        if "imsx_StatusInfo" in body:
            infos.append(body["imsx_StatusInfo"])
        infos.extend(body.get("statusInfoSet") or [])
        infos.append(body)
    codes: list[str] = []
    for info in infos:
        minor = info.get("imsx_CodeMinor") if isinstance(info, dict) else None
        fields = minor.get("imsx_codeMinorField") if isinstance(minor, dict) else None
        if isinstance(fields, dict):
            fields = [fields]
        for entry in fields or []:
            value = entry.get("imsx_codeMinorFieldValue") if isinstance(entry, dict) else None
            if isinstance(value, str) and value not in codes:
                codes.append(value)
    return codes
