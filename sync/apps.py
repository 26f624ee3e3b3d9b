"""The sync engine's Django app: the journal of runs and operations (usable in the LMS or standalone)."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    """The journal app; the LMS loads it through the ``lms.djangoapp`` entry point."""

    name = "sync"
    label = "mooc_bridge_sync"
    verbose_name = "mooc-bridge sync"
    default_auto_field = "django.db.models.BigAutoField"
