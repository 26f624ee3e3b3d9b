"""The sync engine's Django app: the journal of runs and operations (usable in the LMS or standalone).

In Open edX the LMS loads it through the ``lms.djangoapp`` entry point; ``plugin_app`` tells
edx-django-utils where our URLs and settings hooks are. Its keys and values are the plain strings of
``edx_django_utils.plugins.constants`` (``url_config``, ``settings_config``, ``lms.djangoapp``,
``common``, ``production``, ``relative_path``…), so this module imports without edx-platform or
edx-django-utils, and the standalone command line and the tests load the same app.
"""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    """The journal app; the LMS loads it through the ``lms.djangoapp`` entry point."""

    name = "sync"
    label = "mooc_bridge_sync"
    verbose_name = "mooc-bridge sync"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        "url_config": {
            "lms.djangoapp": {
                "namespace": "mooc_bridge_sync",
                "regex": r"^api/mooc-bridge/sync/",
                "relative_path": "urls",
            },
        },
        "settings_config": {
            "lms.djangoapp": {
                "common": {"relative_path": "plugin_settings"},
                "production": {"relative_path": "plugin_settings"},
            },
        },
    }

    def ready(self) -> None:
        """Register the settings check and, when Celery is installed, the tasks and the beat hook."""
        from django.core import checks

        from .schedule import check_schedules

        checks.register(check_schedules, "mooc_bridge_sync")
        try:
            from . import tasks  # noqa: F401 - registers the shared tasks and the beat_init receiver
        except ImportError:  # pragma: no cover - Celery is a dependency; the journal works without it
            pass
