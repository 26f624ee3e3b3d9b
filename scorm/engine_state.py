"""The state of the one sequencing engine of an attempt, kept on the server (ADR 0027).

SCORM 2004 sequencing runs in scorm-again in the browser, over one activity tree for the whole
organization. Its full state — per activity the attempt count, completion and satisfaction, measure,
progress, suspension and durations; the current and suspended activity; the global objectives with the
4th edition's completion, progress and score fields — is what ``Scorm2004API.serializeSequencingState()``
returns. The launcher sends it with every commit, navigation and launch; the server keeps the newest
per attempt (:func:`apply_engine_state`), and every launch restores it into the new runtime API, so a
relaunch, another SCO or another device continue the same engine.

The text is the learner's own data, so it is checked like cmi data: JSON of bounded size whose shape is
the one scorm-again writes. Nothing here trusts it for grading: the grade comes from the SCOs' committed
data by :mod:`scorm.rollup`; only attempt counts and suspension are read from it (:func:`activity_counts`).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from .attempts import Attempt

MAX_STATE_CHARS = 512 * 1024  # a 300-activity tree with objectives serializes to ~250 kB

EngineStatus = Literal["applied", "duplicate", "stale", "invalid"]


def parse_engine_state(text: object) -> dict[str, Any] | None:
    """The engine state as a dict, or ``None`` when ``text`` is not a state scorm-again wrote."""
    if not isinstance(text, str) or not text or len(text) > MAX_STATE_CHARS:
        return None
    try:
        state = json.loads(text)
    except ValueError:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("version"), str):
        return None
    sequencing = state.get("sequencing")
    if sequencing is not None and not (isinstance(sequencing, dict)
                                       and isinstance(sequencing.get("activityStates", {}), dict)):
        return None
    return state


def apply_engine_state(attempt: Attempt, sequence: object, text: object) -> EngineStatus:
    """Keep ``text`` as ``attempt``'s engine state if ``sequence`` is newer than the one kept."""
    if not isinstance(sequence, int) or isinstance(sequence, bool) or parse_engine_state(text) is None:
        return "invalid"
    if sequence < attempt.engine_sequence:
        return "stale"
    if sequence == attempt.engine_sequence:
        return "duplicate" if text == attempt.engine_state else "stale"
    attempt.engine_state = str(text)
    attempt.engine_sequence = sequence
    return "applied"


def activity_counts(attempt: Attempt) -> dict[str, tuple[int, bool]]:
    """Per activity id, its attempt count and whether it is suspended, as the kept engine state says."""
    state = parse_engine_state(attempt.engine_state)
    activities = ((state or {}).get("sequencing") or {}).get("activityStates") or {}
    counts: dict[str, tuple[int, bool]] = {}
    for identifier, activity in activities.items():
        if not isinstance(activity, dict):
            continue
        count = activity.get("attemptCount")
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            counts[str(identifier)] = (count, activity.get("isSuspended") is True)
    return counts


def current_activity(attempt: Attempt) -> str | None:
    """The activity the kept engine delivered last (its current activity), if any."""
    state = parse_engine_state(attempt.engine_state)
    current = ((state or {}).get("sequencing") or {}).get("currentActivity")
    return current if isinstance(current, str) else None
