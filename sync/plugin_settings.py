"""Settings the LMS gets from this app (edx-django-utils ``settings_config``: ``common`` and ``production``).

``plugin_settings(settings)`` is called with the LMS settings module: it sets our defaults where the
operator has not, and adds one Celery beat entry per ``MOOC_BRIDGE_SYNC_SCHEDULES`` entry to
``CELERYBEAT_SCHEDULE`` (the name edx-platform's Celery app reads; it loads ``django.conf:settings``
without a namespace). Settings that an operator adds after the plugin hooks ran (a Tutor patch, for
example) are picked up by the ``beat_init`` receiver in :mod:`sync.tasks` when ``celery beat`` starts.
A bad schedule never stops the LMS from starting: it is left out here and reported by ``manage.py check``
(``mooc_bridge_sync.E001``).
"""

from __future__ import annotations

import logging
from typing import Any

from .hold import DEFAULTS as HOLD_DEFAULTS

__all__ = ["DEFAULTS", "plugin_settings"]

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    # [{"name", "kind", "from", "to", "options", "crontab" | "every"}]: see sync/schedule.py
    "MOOC_BRIDGE_SYNC_SCHEDULES": [],
    # the Celery queue of the sync tasks; None: the Celery app's default queue (the LMS workers' default)
    "MOOC_BRIDGE_SYNC_QUEUE": None,
    # operations per chunk task
    "MOOC_BRIDGE_SYNC_CHUNK_SIZE": 500,
    # a chunk whose task has not committed a batch for this long is taken over by the next delivery
    "MOOC_BRIDGE_SYNC_LEASE_SECONDS": 600,
    # hold a run for approval when it would unenroll more than MOOC_BRIDGE_SYNC_MAX_UNENROLL percent (10) of the
    # target's active enrollments, or update or remove more than MOOC_BRIDGE_SYNC_MAX_CHANGE percent (50) of the
    # records the target has, and either counts at least MOOC_BRIDGE_SYNC_HOLD_MIN (5) records (sync/hold.py,
    # ADR 0022)
    **HOLD_DEFAULTS,
}


def plugin_settings(settings: Any) -> None:
    """Fill in our defaults on the settings module ``settings`` and add the beat entries of the schedules."""
    for name, value in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, value)
    from .schedule import ScheduleError, beat_entries

    try:
        entries = beat_entries(settings.MOOC_BRIDGE_SYNC_SCHEDULES, settings.MOOC_BRIDGE_SYNC_QUEUE)
    except ScheduleError as error:
        log.error("MOOC_BRIDGE_SYNC_SCHEDULES is not used: %s", error.message)
        return
    schedule = dict(getattr(settings, "CELERYBEAT_SCHEDULE", None) or {})
    schedule.update(entries)
    settings.CELERYBEAT_SCHEDULE = schedule
