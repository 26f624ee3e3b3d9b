"""Settings of the Open edX adapter, and how a SPEC string becomes them.

``openedx:https://lms.example.edu?course=course-v1:Org+C+R&rate=5`` gives ``location`` =
``https://lms.example.edu`` and ``options`` = ``{"course": "course-v1:Org+C+R", "rate": "5"}``. Credentials come
from the options ``client_id`` / ``client_secret`` or from the environment (``MOOC_BRIDGE_OPENEDX_CLIENT_ID``,
``MOOC_BRIDGE_OPENEDX_CLIENT_SECRET``); putting them in the environment keeps them out of shell history.
"""

from __future__ import annotations

import os
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.i18n import Translator
from adapters.spec_settings import build_settings, http_url

__all__ = ["ENV_CLIENT_ID", "ENV_CLIENT_SECRET", "OpenEdxSettings"]

_ = Translator.for_package("adapters").gettext

ENV_CLIENT_ID = "MOOC_BRIDGE_OPENEDX_CLIENT_ID"
ENV_CLIENT_SECRET = "MOOC_BRIDGE_OPENEDX_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret


class OpenEdxSettings(BaseModel):
    """Everything the adapter needs; every option of the SPEC string is a field here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lms_url: str = Field(description="the LMS base URL, e.g. https://lms.example.edu")
    course: str | None = Field(default=None, description="default course id (course-v1:…)")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    studio_url: str | None = Field(default=None, description="Studio base URL (not needed for sync)")
    rate: float = Field(default=5.0, ge=0, description="requests per second over all threads; 0 = unlimited")
    enrollment_rate: float = Field(
        default=2.0, ge=0, description="requests per second to /api/enrollment/ (its EnrollmentUserThrottle allows "
                                       "staff 120/minute, shared by every client of the service user); 0 = unlimited")
    force_enrollment: bool = Field(default=True, description="enrol even outside the course's enrollment dates "
                                                             "(the LMS honours it for global staff)")
    grade_batch: int = Field(default=10, ge=1, le=100, description="grade overrides per bulk-update (each is "
                                                                   "recalculated inside the request)")
    burst: int = Field(default=1, ge=1)
    concurrency: int = Field(default=4, ge=1, le=64, description="hint for the engine: parallel batches")
    page_size: int = Field(default=100, ge=1, le=100)
    timeout: float = Field(default=30.0, gt=0, description="read timeout, seconds")
    connect_timeout: float = Field(default=5.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    verify: bool | str = Field(default=True, description="TLS verification: true, false or a CA bundle path")
    bulk_enroll: bool = Field(default=False, description="use /api/bulk_enroll (ENABLE_BULK_ENROLLMENT_VIEW)")
    program: str | None = Field(default=None, description="program UUID: enrol by student_key (学号)")
    curriculum: str | None = Field(default=None, description="curriculum UUID for new program enrollments (default: "
                                                             "that of the program's first listed enrollment)")
    mode: str | None = Field(default=None, description="enrollment mode for new enrollments (audit, honor…)")
    auto_enroll: bool = Field(default=True, description="enrollment_allowed: enrol on registration")
    student_number: Literal["auto", "program", "username", "external_user_key", "none"] = Field(
        default="auto", description="where the 学号 of an Open edX learner comes from (auto: the program's "
                                    "student_key with a program, else the gradebook's external_user_key)")
    overrides: Literal["check", "skip"] = Field(
        default="check", description="look up who overrode each attempted subsection grade when reading scores")

    @field_validator("lms_url", "studio_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return http_url(value)

    @field_validator("course")
    @classmethod
    def _course(cls, value: str | None) -> str | None:
        # A SPEC parsed as a query string turns the '+' of course-v1:Org+C+R into spaces; course ids have none.
        return value.strip().replace(" ", "+") if value else None

    @field_validator("program", "curriculum")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            raise ValueError(_("not a UUID (like 5b7c3a1e-0000-4000-8000-0000000000aa): {value}").format(
                value=value)) from None

    @field_validator("verify", mode="before")
    @classmethod
    def _verify(cls, value):
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
            return value.lower() in ("true", "yes", "1")
        return value

    @property
    def student_number_source(self) -> str:
        """The effective source of 学号 for ``auto``: ``program`` when a program is set, else
        ``external_user_key``, the 学号 Open edX itself links to an account (a program enrollment's
        ``external_user_key``, shown by the gradebook). Never the username or the e-mail: those are asked for."""
        if self.student_number == "auto":
            return "program" if self.program else "external_user_key"
        return self.student_number

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str] | None = None,
                  env: dict[str, str] | None = None) -> OpenEdxSettings:
        """Build settings from a SPEC's location and options; raise ``FatalError`` (``bad_spec``) if invalid."""
        options = dict(options or {})
        env = os.environ if env is None else env
        values: dict[str, object] = {"lms_url": options.pop("lms", None) or location}
        if "studio" in options:
            values["studio_url"] = options.pop("studio")
        values.update(options)
        values.setdefault("client_id", env.get(ENV_CLIENT_ID) or None)
        values.setdefault("client_secret", env.get(ENV_CLIENT_SECRET) or None)
        return build_settings(cls, values, system="Open edX")
