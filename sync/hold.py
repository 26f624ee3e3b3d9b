"""Hold for approval: a run that would remove or change much more than usual stops before writing (ADR 0022).

    limits(max_unenroll=None, max_change=None)   # → (10.0, 50.0) from the settings, or the run's own limits
    check(plan, *limits())                       # → None, or the hold: why, with counts and limits

Two shares are measured on the plan, held-back operations not counted (they are never written):

* **unenrolments** (``delete`` of an enrollment) against the target's *active* enrollments — over
  ``MOOC_BRIDGE_SYNC_MAX_UNENROLL`` percent (default 10) the run holds;
* **changes** (``update`` and ``delete``) against the records the target already has — over
  ``MOOC_BRIDGE_SYNC_MAX_CHANGE`` percent (default 50) the run holds. New records (``create``) are not
  counted, so a first full sync into an empty target does not hold; nor are grades the target lists without
  a grade yet (``pending``: an Open edX subsection nobody attempted), so neither does a first grade sync
  into Open edX, whose gradebook lists every subsection of every learner.

Either share holds only when it counts at least ``MOOC_BRIDGE_SYNC_HOLD_MIN`` records (default 5): one
student leaving a class of four is 25%, but it is the usual business of a term, not a mass removal.

A held run journals its plan and writes nothing; ``mooc-bridge sync approve RUN`` applies exactly that plan
(re-reading every record first), ``sync discard RUN`` drops it. ``--max-unenroll``/``--max-change`` (and the
schedule options of the same names) raise the limits for one run. Nothing here touches the database.
"""

from __future__ import annotations

import logging
from collections import Counter
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from adapters.i18n import gettext_noop as N_

if TYPE_CHECKING:  # plugin_settings imports this module while the LMS reads its settings: keep it light
    from .plan_model import Plan

__all__ = ["DEFAULTS", "EXIT_HELD", "HOLD_REASONS", "check", "limits", "percent_or_none"]

log = logging.getLogger(__name__)

EXIT_HELD = 3
"""The command's exit code for a run held for approval (0 done, 1 refused or failed, 2 usage)."""

HOLD_REASONS = {
    "unenroll": N_("{count} of {total} active enrollments ({percent}%) would be removed; the limit is {limit}% "
                   "(--max-unenroll)"),
    "change": N_("{count} of {total} records in the target ({percent}%) would be changed or removed; the limit is "
                 "{limit}% (--max-change)"),
}
"""Why a run holds: code → message template (translated where it is shown)."""

_SETTINGS = {"unenroll": "MOOC_BRIDGE_SYNC_MAX_UNENROLL", "change": "MOOC_BRIDGE_SYNC_MAX_CHANGE"}

DEFAULTS = {"MOOC_BRIDGE_SYNC_MAX_UNENROLL": 10, "MOOC_BRIDGE_SYNC_MAX_CHANGE": 50, "MOOC_BRIDGE_SYNC_HOLD_MIN": 5}
"""The settings' defaults, percent (:mod:`sync.plugin_settings` gives them to the LMS)."""


def percent_or_none(value: Any) -> float | None:
    """``value`` as a percentage 0–100, or ``None`` when it is not one (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None


def _setting(which: str) -> float:
    from django.conf import settings

    name = _SETTINGS[which]
    value = getattr(settings, name, DEFAULTS[name])
    number = percent_or_none(value)
    if number is None:  # fail safe: a bad setting never turns the check off
        log.error("%s=%r is not a percentage from 0 to 100; using %s", name, value, DEFAULTS[name])
        return float(DEFAULTS[name])
    return number


def limits(max_unenroll: float | None = None, max_change: float | None = None) -> tuple[float, float, int]:
    """The limits of one run: its own (``--max-unenroll``, ``--max-change``) where given, else the settings;
    and the fewest records that hold (``MOOC_BRIDGE_SYNC_HOLD_MIN``)."""
    from django.conf import settings

    least = getattr(settings, "MOOC_BRIDGE_SYNC_HOLD_MIN", DEFAULTS["MOOC_BRIDGE_SYNC_HOLD_MIN"])
    if isinstance(least, bool) or not isinstance(least, int) or least < 1:
        log.error("MOOC_BRIDGE_SYNC_HOLD_MIN=%r is not a whole number from 1; using %s", least,
                  DEFAULTS["MOOC_BRIDGE_SYNC_HOLD_MIN"])
        least = DEFAULTS["MOOC_BRIDGE_SYNC_HOLD_MIN"]
    return (_setting("unenroll") if max_unenroll is None else float(max_unenroll),
            _setting("change") if max_change is None else float(max_change), least)


def _share(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


def check(plan: Plan, max_unenroll: float, max_change: float, least: int = 1) -> dict[str, Any] | None:
    """The hold of ``plan`` under these limits (percent), or ``None`` when it may be applied at once.

    The hold is JSON-ready: ``{"reasons": [{"code", "count", "total", "percent", "limit"}], "max_unenroll",
    "max_change"}``; a share must be *over* its limit, so ``100`` turns a check off, and count at least
    ``least`` records.
    """
    ops = plan.ops
    actions = Counter(map(attrgetter("action"), ops))  # C-level passes: the check costs little on a big plan
    unenroll = actions["delete"] if plan.stream == "enrollments" else 0
    # a target's "pending" grade (Open edX: a subsection not attempted) holds no grade yet: writing it creates one
    pending = plan.target_pending
    existing = plan.target_records - pending
    changed = actions["update"] + actions["delete"]
    if pending and changed >= least and _share(changed, existing) > max_change:  # only then worth counting
        changed -= sum(1 for op in ops if op.action == "update" and getattr(op.before, "status", None) == "pending")
    reasons = []
    if unenroll >= least and _share(unenroll, plan.target_active) > max_unenroll:
        reasons.append({"code": "unenroll", "count": unenroll, "total": plan.target_active,
                        "percent": _share(unenroll, plan.target_active), "limit": max_unenroll})
    if changed >= least and _share(changed, existing) > max_change:
        reasons.append({"code": "change", "count": changed, "total": existing, "percent": _share(changed, existing),
                        "limit": max_change})
    if not reasons:
        return None
    return {"reasons": reasons, "max_unenroll": max_unenroll, "max_change": max_change}
