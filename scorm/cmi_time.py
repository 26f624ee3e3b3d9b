"""SCORM time values: SCORM 1.2 ``CMITimespan``/``CMITime`` and SCORM 2004 ``timeinterval``/``time`` (RTE data
model types), parsed to and written from seconds."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["duration_to_seconds", "seconds_to_duration", "seconds_to_timespan", "timespan_to_seconds"]

TIMESPAN_12 = re.compile(r"^(\d{2,4}):(\d{2}):(\d{2})(\.\d{1,2})?$")
DURATION_2004 = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$"
)
TIME_12 = re.compile(r"^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
TIMESTAMP_2004 = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$"
)


@lru_cache(maxsize=1024)  # a commit's session time is checked, then added up: parsed once
def timespan_to_seconds(value: str) -> float:
    """Seconds in a SCORM 1.2 ``CMITimespan`` such as ``0001:02:03.5``; ``ValueError`` if malformed."""
    match = TIMESPAN_12.match(value or "")
    if not match or int(match.group(2)) > 59 or int(match.group(3)) > 59:
        raise ValueError(f"not a CMITimespan: {value!r}")
    hours, minutes, seconds = (int(match.group(i)) for i in (1, 2, 3))
    return hours * 3600 + minutes * 60 + seconds + float(match.group(4) or 0)


def seconds_to_timespan(seconds: float) -> str:
    """A SCORM 1.2 ``CMITimespan`` for ``seconds`` (hours capped at 9999)."""
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{min(hours, 9999):04d}:{minutes:02d}:{secs:02d}.{centis:02d}"


@lru_cache(maxsize=1024)
def duration_to_seconds(value: str) -> float:
    """Seconds in a SCORM 2004 ``timeinterval`` such as ``PT1H2M3.5S`` (a year is 365 days, a month 30)."""
    match = DURATION_2004.match(value or "")
    if not match:
        raise ValueError(f"not a timeinterval: {value!r}")
    years, months, days, hours, minutes = (int(match.group(i) or 0) for i in range(1, 6))
    seconds = float(match.group(6) or 0)
    return ((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + seconds


def seconds_to_duration(seconds: float) -> str:
    """A SCORM 2004 ``timeinterval`` for ``seconds``, e.g. ``PT1H2M3.5S``."""
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = rest / 100
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or text == "PT":
        text += f"{secs:g}S"
    return text
