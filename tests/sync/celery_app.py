"""The Celery app of the sync tests' workers (``celery -A tests.sync.celery_app worker``) — the LMS's stand-in.

Django runs with the standalone journal settings (``sync.settings``: the SQLite file ``MOOC_BRIDGE_SYNC_DB``)
plus short leases, so that a chunk whose worker was killed is taken over within seconds (and the schedules
``MOOC_BRIDGE_TEST_SCHEDULES`` holds as JSON). The broker is the
test's private redis-server (``MOOC_BRIDGE_TEST_BROKER``), with a visibility timeout of a few seconds: a
message a killed worker held unacknowledged is delivered again that soon.
"""

from __future__ import annotations

import json
import os

import django
from celery import Celery
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    from sync import settings as standalone

    settings.configure(**{name: getattr(standalone, name) for name in dir(standalone) if name.isupper()},
                       MOOC_BRIDGE_SYNC_LEASE_SECONDS=float(os.environ.get("MOOC_BRIDGE_TEST_LEASE", "1")),
                       MOOC_BRIDGE_SYNC_SCHEDULES=json.loads(os.environ.get("MOOC_BRIDGE_TEST_SCHEDULES", "[]")))
django.setup()

from tests.sync.celery_fixtures import QUEUE, register_schemes  # noqa: E402 - after Django is set up

register_schemes()

app = Celery("mooc_bridge_sync_tests", broker=os.environ.get("MOOC_BRIDGE_TEST_BROKER", "redis://127.0.0.1:1/0"))
app.conf.update(
    task_default_queue=QUEUE,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("MOOC_BRIDGE_TEST_VISIBILITY", "3")),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
)
app.set_current()

import sync.tasks  # noqa: E402,F401 - the shared tasks, bound to this app
