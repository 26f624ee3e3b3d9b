"""The SCORM run-time data model on the server: which ``cmi.*`` elements a SCO may set, and how.

The browser runs scorm-again, which validates as the SCO calls ``SetValue``; a commit that reaches the
server is still hostile until checked here, because anyone can post to a handler. :func:`validate_commit`
checks every element of a commit against the data model of its SCORM version — that the element exists, its
vocabulary, type, range and length, and the index of collections — and returns either the cleaned
values or every problem found. One bad element rejects the whole commit, so nothing half-applied is
stored. scorm-again posts the whole data model on every commit, so elements the LMS owns
(``cmi.core.student_id``, ``cmi.credit``, ``cmi.mode``, ``cmi.total_time`` …) arrive too: they are
dropped, never stored — the LMS's own values are the only ones it serves. Empty collections and ``""``
(an element the SCO never set) are accepted as they come.

Elements are given flattened (``{"cmi.core.lesson_status": "passed"}``); :func:`flatten` turns the
nested JSON that scorm-again posts by default into that form. Time helpers convert SCORM 1.2
``CMITimespan`` (``HHHH:MM:SS.SS``) and SCORM 2004 ``timeinterval`` (ISO 8601 ``PT1H2M3.5S``) to
seconds and back, for accumulating ``total_time``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

from .cmi_time import (
    DURATION_2004,
    TIME_12,
    TIMESTAMP_2004,
    duration_to_seconds,
    seconds_to_duration,
    seconds_to_timespan,
    timespan_to_seconds,
)

_ = Translator.for_package("scorm").gettext

Version = Literal["1.2", "2004"]

#: Bounds of a single commit, beyond what the standards require an LMS to keep.
MAX_ELEMENTS = 5000
MAX_INDEX = 1000  # collections (interactions, objectives, …): SCORM 2004 requires at least 250

__all__ = [
    "MAX_ELEMENTS",
    "CmiProblem",
    "duration_to_seconds",
    "flatten",
    "seconds_to_duration",
    "seconds_to_timespan",
    "timespan_to_seconds",
    "validate_commit",
    "version_family",
]


@dataclass(frozen=True)
class CmiProblem:
    """One element that cannot be stored, with a stable ``code`` and a sentence for people."""

    element: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"element": self.element, "code": self.code, "message": self.message}


def version_family(version: str | None) -> Version:
    """Map a package version ("1.2", "2004 3rd", …) to the run-time data model it uses."""
    return "1.2" if (version or "1.2").startswith("1.2") else "2004"


# ------------------------------------------------------------------------------------------- checks

Check = Callable[[str], str | None]  # returns a problem code, or None when the value is fine


def _string(limit: int) -> Check:
    return lambda value: "too_long" if len(value) > limit else None


def _vocabulary(*words: str) -> Check:
    allowed = frozenset(words)
    return lambda value: None if value in allowed else "not_in_vocabulary"


_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_INTEGER = re.compile(r"-?\d+")
_NO_SPACE = re.compile(r"^[^\s]+$")
_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z0-9_\-.:/]+")


def _decimal(low: float | None = None, high: float | None = None, blank: bool = False) -> Check:
    def check(value: str) -> str | None:
        if value == "" and blank:
            return None
        try:
            number = float(value)
        except ValueError:
            return "not_a_number"
        if not math.isfinite(number) or not _DECIMAL.fullmatch(value.strip()):
            return "not_a_number"
        if (low is not None and number < low) or (high is not None and number > high):
            return "out_of_range"
        return None

    return check


def _integer(low: int, high: int) -> Check:
    def check(value: str) -> str | None:
        if not _INTEGER.fullmatch(value):
            return "not_an_integer"
        return None if low <= int(value) <= high else "out_of_range"

    return check


def _pattern(regex: re.Pattern[str], code: str = "bad_format") -> Check:
    return lambda value: None if regex.match(value) else code


def _timespan(value: str) -> str | None:
    try:
        timespan_to_seconds(value)
    except ValueError:
        return "bad_format"
    return None


def _identifier(limit: int, allow_urn: bool = False) -> Check:
    def check(value: str) -> str | None:
        if not value or len(value) > limit:
            return "bad_identifier"
        if allow_urn:
            return None if _NO_SPACE.match(value) else "bad_identifier"
        return None if _PLAIN_IDENTIFIER.fullmatch(value) else "bad_identifier"

    return check


def _result(words: tuple[str, ...]) -> Check:
    number = _decimal()
    return lambda value: None if value in words or number(value) is None else "not_in_vocabulary"


_STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed")
_INTERACTION_TYPES_12 = ("true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert",
                         "numeric")
_INTERACTION_TYPES_2004 = (*_INTERACTION_TYPES_12, "long-fill-in", "other")
_NAV_REQUEST = re.compile(
    r"^(continue|previous|exit|exitAll|abandon|abandonAll|suspendAll|_none_|"
    r"\{target=[^}\s]{1,4000}\}(choice|jump))$"
)
_LOCALIZED = re.compile(r"^(\{lang=[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\})?", re.S)


def _localized(limit: int) -> Check:
    def check(value: str) -> str | None:
        text = _LOCALIZED.sub("", value, count=1)
        return "too_long" if len(text) > limit else None

    return check


# element pattern (``n`` stands for a collection index) -> check, for elements a SCO may write
WRITABLE_12: dict[str, Check] = {
    "cmi.core.lesson_location": _string(255),
    "cmi.core.lesson_status": _vocabulary(*_STATUS_12),
    "cmi.core.score.raw": _decimal(0, 100, blank=True),
    "cmi.core.score.min": _decimal(0, 100, blank=True),
    "cmi.core.score.max": _decimal(0, 100, blank=True),
    "cmi.core.exit": _vocabulary("time-out", "suspend", "logout", ""),
    "cmi.core.session_time": _timespan,
    "cmi.suspend_data": _string(4096),
    "cmi.comments": _string(4096),
    "cmi.objectives.n.id": _identifier(255),
    "cmi.objectives.n.score.raw": _decimal(0, 100, blank=True),
    "cmi.objectives.n.score.min": _decimal(0, 100, blank=True),
    "cmi.objectives.n.score.max": _decimal(0, 100, blank=True),
    "cmi.objectives.n.status": _vocabulary(*_STATUS_12, "not attempted"),
    "cmi.student_preference.audio": _integer(-1, 100),
    "cmi.student_preference.language": _string(255),
    "cmi.student_preference.speed": _integer(-100, 100),
    "cmi.student_preference.text": _integer(-1, 1),
    "cmi.interactions.n.id": _identifier(255),
    "cmi.interactions.n.objectives.n.id": _identifier(255),
    "cmi.interactions.n.time": _pattern(TIME_12),
    "cmi.interactions.n.type": _vocabulary(*_INTERACTION_TYPES_12),
    "cmi.interactions.n.correct_responses.n.pattern": _string(255),
    "cmi.interactions.n.weighting": _decimal(),
    "cmi.interactions.n.student_response": _string(255),
    "cmi.interactions.n.result": _result(("correct", "wrong", "unanticipated", "neutral")),
    "cmi.interactions.n.latency": _timespan,
}

_SCORE_2004 = {
    "score.scaled": _decimal(-1, 1),
    "score.raw": _decimal(),
    "score.min": _decimal(),
    "score.max": _decimal(),
}

WRITABLE_2004: dict[str, Check] = {
    "cmi.comments_from_learner.n.comment": _localized(4000),
    "cmi.comments_from_learner.n.location": _string(250),
    "cmi.comments_from_learner.n.timestamp": _pattern(TIMESTAMP_2004),
    "cmi.completion_status": _vocabulary("completed", "incomplete", "not attempted", "unknown"),
    "cmi.exit": _vocabulary("time-out", "suspend", "logout", "normal", ""),
    "cmi.location": _string(1000),
    "cmi.progress_measure": _decimal(0, 1),
    **{f"cmi.{key}": check for key, check in _SCORE_2004.items()},
    "cmi.session_time": _pattern(DURATION_2004),
    "cmi.success_status": _vocabulary("passed", "failed", "unknown"),
    "cmi.suspend_data": _string(64000),
    "cmi.learner_preference.audio_level": _decimal(0),
    "cmi.learner_preference.language": _string(250),
    "cmi.learner_preference.delivery_speed": _decimal(0),
    "cmi.learner_preference.audio_captioning": _vocabulary("-1", "0", "1"),
    "cmi.objectives.n.id": _identifier(4000, allow_urn=True),
    **{f"cmi.objectives.n.{key}": check for key, check in _SCORE_2004.items()},
    "cmi.objectives.n.success_status": _vocabulary("passed", "failed", "unknown"),
    "cmi.objectives.n.completion_status": _vocabulary("completed", "incomplete", "not attempted", "unknown"),
    "cmi.objectives.n.progress_measure": _decimal(0, 1),
    "cmi.objectives.n.description": _localized(250),
    "cmi.interactions.n.id": _identifier(4000, allow_urn=True),
    "cmi.interactions.n.type": _vocabulary(*_INTERACTION_TYPES_2004),
    "cmi.interactions.n.objectives.n.id": _identifier(4000, allow_urn=True),
    "cmi.interactions.n.timestamp": _pattern(TIMESTAMP_2004),
    "cmi.interactions.n.correct_responses.n.pattern": _string(7800),
    "cmi.interactions.n.weighting": _decimal(),
    "cmi.interactions.n.learner_response": _string(7800),
    "cmi.interactions.n.result": _result(("correct", "incorrect", "unanticipated", "neutral")),
    "cmi.interactions.n.latency": _pattern(DURATION_2004),
    "cmi.interactions.n.description": _localized(250),
    "adl.nav.request": _pattern(_NAV_REQUEST),
}

# elements the LMS sets and a SCO may only read: dropped from commits, never stored
READ_ONLY_12 = frozenset({
    "cmi.comments_from_lms",
    "cmi.core.student_id", "cmi.core.student_name", "cmi.core.credit", "cmi.core.entry", "cmi.core.total_time",
    "cmi.core.lesson_mode", "cmi.launch_data", "cmi.student_data.mastery_score",
    "cmi.student_data.max_time_allowed", "cmi.student_data.time_limit_action",
})
READ_ONLY_2004 = frozenset({
    "cmi.learner_id", "cmi.learner_name", "cmi.credit", "cmi.entry", "cmi.mode", "cmi.total_time",
    "cmi.launch_data", "cmi.scaled_passing_score", "cmi.completion_threshold", "cmi.max_time_allowed",
    "cmi.time_limit_action",
})

_MESSAGES = {
    "unknown_element": N_("{element} is not an element of the SCORM {version} data model."),
    "too_long": N_("The value of {element} is longer than SCORM {version} allows."),
    "not_in_vocabulary": N_("{value!r} is not an allowed value for {element}."),
    "not_a_number": N_("The value of {element} must be a number."),
    "not_an_integer": N_("The value of {element} must be a whole number."),
    "out_of_range": N_("The value of {element} is out of its allowed range."),
    "bad_format": N_("The value of {element} is not in the format SCORM {version} requires."),
    "bad_identifier": N_("The value of {element} is not a valid identifier."),
    "bad_index": N_("{element} uses an index beyond what this LMS keeps ({limit})."),
    "not_a_string": N_("The value of {element} must be text."),
    "too_many": N_("The commit has more than {limit} elements."),
}


_INDEX = re.compile(r"\.(\d{1,7})(?=\.)")


def _shape(element: str) -> tuple[str, list[str]]:
    """``cmi.interactions.3.objectives.0.id`` -> (``cmi.interactions.n.objectives.n.id``, ["3", "0"])."""
    indices: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        indices.append(match.group(1))
        return ".n"

    return _INDEX.sub(placeholder, element), indices


_TABLES = {"1.2": (WRITABLE_12, READ_ONLY_12), "2004": (WRITABLE_2004, READ_ONLY_2004)}


def _problem(element: str, code: str, version: str, value: str = "", limit: int = 0) -> CmiProblem:
    shown = value if len(value) <= 40 else value[:40] + "…"
    message = _(_MESSAGES[code]).format(element=element[:200], version=version, value=shown, limit=limit)
    return CmiProblem(element=element[:200], code=code, message=message)


# What an element name asks for, decided once per name (:func:`_rule`): ignore it (a counter echoed by the
# client), drop it (the LMS's own value), refuse it (unknown, or an index beyond MAX_INDEX), or check its value.
_IGNORED, _LMS_OWN, _UNKNOWN, _BAD_INDEX = "ignored", "lms_own", "unknown_element", "bad_index"
_RULES: dict[Version, dict[str, str | Check]] = {"1.2": {}, "2004": {}}  # per family, at most 4,096 names of up
# to 200 characters each: when full it starts again, and longer names are decided each time (hostile commits)


def _rule(family: Version, element: str) -> str | Check:
    """What to do with ``element`` in a commit of ``family``: one of the markers above, or its value check."""
    writable, read_only = _TABLES[family]
    if element.endswith(("._count", "._children", "._version")):
        rule: str | Check = _IGNORED
    elif element in read_only or element.startswith("cmi.comments_from_lms"):
        rule = _LMS_OWN
    else:
        shape, indices = _shape(element) if any(c.isdigit() for c in element) else (element, [])
        check = writable.get(shape)
        bad_index = any(int(index) >= MAX_INDEX for index in indices)
        rule = _UNKNOWN if check is None else _BAD_INDEX if bad_index else check
    if len(element) <= 200:
        if len(_RULES[family]) >= 4096:
            _RULES[family].clear()
        _RULES[family][element] = rule
    return rule


def validate_commit(version: str, data: Mapping[str, Any],
                    known: Mapping[str, str] | None = None) -> tuple[dict[str, str], list[CmiProblem]]:
    """Check a flattened commit against the data model of ``version`` ("1.2" or any "2004 …").

    Returns ``(values, problems)``: the values as strings when ``problems`` is empty, else every problem
    found (and the values must not be stored). Counters (``…_count``) and ``…_children`` that clients echo
    back are ignored, not refused. ``known`` are values this data model accepted before (the SCO's stored
    ones): a value equal to its known one is not checked again (scorm-again sends them all on every commit).
    """
    known = known or {}
    family = version_family(version)
    problems: list[CmiProblem] = []
    values: dict[str, str] = {}
    if len(data) > MAX_ELEMENTS:
        return {}, [_problem("cmi", "too_many", family, limit=MAX_ELEMENTS)]
    known = _RULES[family]
    for element, raw in data.items():
        element = element if type(element) is str else str(element)
        rule = known.get(element) or _rule(family, element)
        if rule is _IGNORED:
            continue
        if type(raw) is str:
            value = raw
        elif isinstance(raw, dict | list) and not raw:
            continue  # an empty collection echoed by the client
        elif isinstance(raw, bool) or not isinstance(raw, str | int | float):
            problems.append(_problem(element, "not_a_string", family))
            continue
        else:
            value = raw if isinstance(raw, str) else repr(raw) if isinstance(raw, float) else str(raw)
        if rule is _LMS_OWN:
            continue  # the LMS's own values: echoed by clients, never taken from them
        if rule is _UNKNOWN:
            problems.append(_problem(element, "unknown_element", family))
        elif rule is _BAD_INDEX:
            problems.append(_problem(element, "bad_index", family, limit=MAX_INDEX))
        else:
            # "" is an element the SCO never set
            code = rule(value) if value != "" and known.get(element) != value else None
            if code:
                problems.append(_problem(element, code, family, value))
            else:
                values[element] = value
    return (values if not problems else {}), problems


def flatten(nested: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten scorm-again's nested JSON (``{"cmi": {"core": {…}, "interactions": [{…}]}}``) to dotted names.

    Lists and objects with numeric keys both become ``name.0.child``. Depth is bounded (a node deeper than
    :data:`MAX_DEPTH` is kept as it is, and refused as not a string), so a hostile document cannot exhaust the
    stack.
    """
    flat: dict[str, Any] = {}
    _flatten_into(flat, prefix, nested, 0)
    return flat


MAX_DEPTH = 12
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _flatten_into(flat: dict[str, Any], name: str, node: Any, depth: int) -> None:
    kind = type(node)
    if kind is dict or (kind is not list and kind not in _SCALARS and isinstance(node, Mapping)):
        items = node.items()
    elif kind is list:
        items = enumerate(node)
    else:
        flat[name] = node
        return
    if depth > MAX_DEPTH:
        flat[name] = node  # too deep: refused later as not a string
        return
    for key, child in items:
        child_name = f"{name}.{key}" if name else str(key)
        if type(child) in _SCALARS:
            flat[child_name] = child
        else:
            _flatten_into(flat, child_name, child, depth + 1)
