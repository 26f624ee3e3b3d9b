"""Run-time environment rules the LMS applies to commits, beyond the data model of :mod:`scorm.cmi`.

* **Echoed defaults.** A runtime API sends back the whole data model on every commit, including the
  values the LMS preloaded. SCORM 1.2's ``cmi.core.lesson_status = "not attempted"`` is such a value: a
  SCO cannot set it (``LMSSetValue`` refuses it, RTE 3.4.4), so in a commit it only means "no status
  yet" and is dropped, never refused — refusing it would lose every commit made before the first status.
* **Finish.** SCORM 1.2 RTE 3.4.4 (``cmi.core.lesson_status``): when ``LMSFinish`` arrives and the SCO set
  no status, the LMS records ``completed``; when a mastery score applies and the SCO reported a raw
  score, ``passed`` or ``failed`` against it. :func:`finish_status_12` decides which.
* **Error codes.** A refused commit answers with the "commit failed" code of the package's version:
  101 (general exception) for SCORM 1.2, whose ``LMSCommit`` knows only 101, 201 and 301; 391 (general
  commit failure) for SCORM 2004. scorm-again uses the same pair for a failed request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .cmi import version_family

__all__ = ["COMMIT_FAILURE", "commit_error_code", "drop_echoed_defaults", "finish_status_12"]

#: ``GetLastError`` after a commit the LMS refused, per data-model family.
COMMIT_FAILURE = {"1.2": 101, "2004": 391}

# (element, value) pairs that a client echoes from the LMS's preload and a SCO can never set
_ECHOED_12 = {("cmi.core.lesson_status", "not attempted")}


def commit_error_code(version: str | None) -> int:
    """The error code for a refused commit of a package of ``version`` ("1.2", "2004 3rd", …)."""
    return COMMIT_FAILURE[version_family(version)]


def drop_echoed_defaults(version: str | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (flattened) without the preloaded values a SCO cannot have set (see the module docstring)."""
    if version_family(version) != "1.2" or not any(data.get(key) == value for key, value in _ECHOED_12):
        return dict(data)
    return {key: value for key, value in data.items() if (key, value) not in _ECHOED_12}


def finish_status_12(values: Mapping[str, str], *, mastery_score: float | None, credit: bool = True) -> str | None:
    """The ``lesson_status`` to record when a SCORM 1.2 session ends, or ``None`` to keep the SCO's own.

    ``values`` is the SCO's stored state after the final commit. Only a SCO that set no status gets one:
    ``passed``/``failed`` when a mastery score applies (with credit) and a raw score was reported, else
    ``completed``.
    """
    if values.get("cmi.core.lesson_status") not in (None, "", "not attempted"):
        return None
    raw = values.get("cmi.core.score.raw", "")
    if credit and mastery_score is not None and raw != "":
        try:
            return "passed" if float(raw) >= mastery_score else "failed"
        except ValueError:
            pass
    return "completed"
