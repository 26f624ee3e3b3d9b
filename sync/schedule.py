"""Periodic syncs: the ``MOOC_BRIDGE_SYNC_SCHEDULES`` setting, checked, and turned into Celery beat entries.

An operator lists the syncs to run by themselves, in the LMS settings::

    MOOC_BRIDGE_SYNC_SCHEDULES = [
        {"name": "jw-grades-nightly", "kind": "grades",
         "from": "openedx:https://lms.example.edu?course=course-v1:PKU+C101+2025_T1",
         "to": "xlsx:/data/jw/draft.xlsx?profile=zhengfang",
         "options": {"force": False, "match": ["email"], "max_change": 60},   # hold over 60% changed
         "crontab": "30 2 * * *"},                     # minute hour day-of-month month day-of-week
        {"name": "roster-hourly", "kind": "roster", "from": "oneroster:https://sis.example.edu/ims/oneroster/v1p1",
         "to": "openedx:https://lms.example.edu", "every": 3600},   # seconds
    ]

Each becomes one beat entry that sends ``mooc_bridge.sync.scheduled`` with the schedule's *name* only: the
task looks the schedule up in the settings when it runs, so the beat schedule file holds no SPEC and no
option. SPECs never hold secrets (:mod:`sync.specs` refuses them); adapters read credentials from the
environment, so a settings dump shows nothing secret either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from adapters.i18n import Translator

from .hold import percent_or_none
from .specs import SpecError, parse_spec

__all__ = ["SCHEDULED_TASK", "Schedule", "ScheduleError", "beat_entries", "check_schedules", "find_schedule",
           "parse_schedules", "problems"]

_ = Translator.for_package("sync").gettext

SCHEDULED_TASK = "mooc_bridge.sync.scheduled"
"""The Celery task every beat entry sends (see :mod:`sync.tasks`)."""

BEAT_PREFIX = "mooc-bridge-sync:"
"""Beat entry names are this prefix plus the schedule's name."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_OPTIONS = {"unenroll": bool, "force": bool, "match": list, "workers": int, "batch_size": int,
            "course_map": dict, "item_map": dict, "chunk_size": int, "max_unenroll": float, "max_change": float}
_MIN_EVERY = 60


class ScheduleError(ValueError):
    """A schedule in the settings that cannot be used; ``code`` for programs, ``message`` for people."""

    def __init__(self, message: str, code: str = "bad_schedule", name: str = ""):
        super().__init__(message)
        self.message, self.code, self.name = message, code, name


@dataclass(frozen=True)
class Schedule:
    """One checked entry of ``MOOC_BRIDGE_SYNC_SCHEDULES``: what to sync, and when (cron fields or seconds)."""

    name: str
    kind: str
    source: str
    target: str
    options: dict[str, Any] = field(default_factory=dict)
    crontab: tuple[str, str, str, str, str] | None = None
    every: int | None = None

    def celery_schedule(self) -> Any:
        """The Celery schedule object: a ``crontab`` or a ``timedelta``."""
        if self.crontab is not None:
            from celery.schedules import crontab

            minute, hour, day_of_month, month_of_year, day_of_week = self.crontab
            return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                           day_of_week=day_of_week)
        return timedelta(seconds=self.every or 0)


def _fail(message: str, code: str, name: str) -> ScheduleError:
    return ScheduleError(message, code, name)


def _check_options(name: str, options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise _fail(_("Schedule {name}: options must be a dictionary.").format(name=name), "bad_options", name)
    checked = {}
    for key, value in options.items():
        expected = _OPTIONS.get(key)
        if expected is None:
            raise _fail(_("Schedule {name}: unknown option {option!r}; known: {known}.").format(
                name=name, option=key, known=", ".join(sorted(_OPTIONS))), "bad_options", name)
        if expected is float:  # a hold limit, percent (docs/decisions/0022)
            if percent_or_none(value) is None or isinstance(value, str):
                raise _fail(_("Schedule {name}: option {option!r} must be a percentage from 0 to 100.").format(
                    name=name, option=key), "bad_options", name)
            checked[key] = float(value)
            continue
        if expected is list and isinstance(value, tuple | str):
            value = [value] if isinstance(value, str) else list(value)
        if not isinstance(value, expected) or (expected is int and (isinstance(value, bool) or value < 1)):
            raise _fail(_("Schedule {name}: option {option!r} has the wrong type.").format(name=name, option=key),
                        "bad_options", name)
        checked[key] = value
    return checked


def _check_crontab(name: str, text: Any) -> tuple[str, str, str, str, str]:
    fields = str(text).split() if isinstance(text, str) else []
    if len(fields) != 5:
        raise _fail(_("Schedule {name}: crontab must have five fields (minute hour day month weekday), "
                      "not {value!r}.").format(name=name, value=text), "bad_crontab", name)
    try:
        from celery.schedules import crontab

        crontab(*fields[:2], day_of_week=fields[4], day_of_month=fields[2], month_of_year=fields[3])
    except (ValueError, TypeError) as error:
        raise _fail(_("Schedule {name}: crontab {value!r} is not valid ({error}).").format(
            name=name, value=text, error=error), "bad_crontab", name) from None
    return fields[0], fields[1], fields[2], fields[3], fields[4]


def _one(entry: Any, position: int) -> Schedule:
    if not isinstance(entry, Mapping):
        raise _fail(_("Schedule number {position} must be a dictionary.").format(position=position), "bad_schedule",
                    "")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _fail(_("Schedule number {position} needs a name: letters, digits, '.', '_' or '-'.").format(
            position=position), "bad_name", str(name or ""))
    unknown = sorted(set(entry) - {"name", "kind", "from", "to", "options", "crontab", "every"})
    if unknown:
        raise _fail(_("Schedule {name}: unknown keys {keys}.").format(name=name, keys=", ".join(unknown)),
                    "bad_schedule", name)
    kind = entry.get("kind")
    if kind not in ("roster", "grades"):
        raise _fail(_("Schedule {name}: kind must be roster or grades.").format(name=name), "bad_kind", name)
    specs = []
    for key in ("from", "to"):
        try:
            specs.append(str(parse_spec(entry.get(key) or "")))
        except SpecError as error:
            raise _fail(_("Schedule {name}: {key}: {error}").format(name=name, key=key, error=error.message),
                        error.code, name) from None
    has_cron, has_every = entry.get("crontab") is not None, entry.get("every") is not None
    if has_cron == has_every:
        raise _fail(_("Schedule {name}: give either crontab or every (seconds), not both or neither.").format(
            name=name), "bad_when", name)
    every = entry.get("every")
    if has_every and (not isinstance(every, int) or isinstance(every, bool) or every < _MIN_EVERY):
        raise _fail(_("Schedule {name}: every must be a whole number of seconds, at least {minimum}.").format(
            name=name, minimum=_MIN_EVERY), "bad_when", name)
    return Schedule(name=name, kind=kind, source=specs[0], target=specs[1],
                    options=_check_options(name, entry.get("options")),
                    crontab=_check_crontab(name, entry["crontab"]) if has_cron else None,
                    every=every if has_every else None)


def parse_schedules(value: Iterable[Any] | None) -> list[Schedule]:
    """Check the setting's value; raise :class:`ScheduleError` at the first bad entry or a repeated name."""
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ScheduleError(_("MOOC_BRIDGE_SYNC_SCHEDULES must be a list of dictionaries."), "bad_setting")
    schedules, seen = [], set()
    for position, entry in enumerate(value, start=1):
        schedule = _one(entry, position)
        if schedule.name in seen:
            raise _fail(_("Schedule {name} is listed twice.").format(name=schedule.name), "duplicate", schedule.name)
        seen.add(schedule.name)
        schedules.append(schedule)
    return schedules


def problems(value: Iterable[Any] | None) -> list[ScheduleError]:
    """Every bad entry of the setting (for the system check), not only the first."""
    if value is None:
        return []
    try:
        entries = list(value) if not isinstance(value, str | bytes | Mapping) else None
    except TypeError:
        entries = None
    if entries is None:
        return [ScheduleError(_("MOOC_BRIDGE_SYNC_SCHEDULES must be a list of dictionaries."), "bad_setting")]
    found, seen = [], set()
    for position, entry in enumerate(entries, start=1):
        try:
            schedule = _one(entry, position)
        except ScheduleError as error:
            found.append(error)
            continue
        if schedule.name in seen:
            found.append(_fail(_("Schedule {name} is listed twice.").format(name=schedule.name), "duplicate",
                               schedule.name))
        seen.add(schedule.name)
    return found


def find_schedule(value: Iterable[Any] | None, name: str) -> Schedule:
    """The schedule called ``name``; :class:`ScheduleError` (code ``no_such_schedule``) when there is none."""
    for schedule in parse_schedules(value):
        if schedule.name == name:
            return schedule
    raise ScheduleError(_("There is no sync schedule called {name}.").format(name=name), "no_such_schedule", name)


def beat_entries(value: Iterable[Any] | None, queue: str | None = None) -> dict[str, dict[str, Any]]:
    """Celery beat entries for the setting's schedules (entry name → entry); raises :class:`ScheduleError`.

    Entries carry only the schedule name as their argument, never a SPEC or an option.
    """
    entries = {}
    for schedule in parse_schedules(value):
        entry: dict[str, Any] = {"task": SCHEDULED_TASK, "schedule": schedule.celery_schedule(),
                                 "args": (schedule.name,)}
        if queue:
            entry["options"] = {"queue": queue}
        entries[BEAT_PREFIX + schedule.name] = entry
    return entries


def check_schedules(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Django system check ``mooc_bridge_sync.E001``: every bad entry of ``MOOC_BRIDGE_SYNC_SCHEDULES``."""
    from django.conf import settings
    from django.core import checks

    return [checks.Error(error.message, hint=_("See sync/schedule.py for the form of a schedule."),
                         obj="MOOC_BRIDGE_SYNC_SCHEDULES", id="mooc_bridge_sync.E001")
            for error in problems(getattr(settings, "MOOC_BRIDGE_SYNC_SCHEDULES", None))]
