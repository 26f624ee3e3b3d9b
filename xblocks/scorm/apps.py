"""The SCORM block as an Open edX plugin app: its Celery task, its table, and the LMS view of package files.

Workers only register tasks of installed Django apps (``autodiscover_tasks`` imports ``<app>.tasks``); an
XBlock alone is not an app. Its table :class:`~xblocks.scorm.models.LearnerState` holds each learner's state
under a row lock, so that of two concurrent commits the newer wins (``migrate`` creates it in the LMS database).
In the LMS it mounts ``mooc-bridge/scorm/`` (:mod:`xblocks.scorm.urls`): package files streamed to learners
(:mod:`xblocks.scorm.views`).
Where event-routing-backends is installed (Aspects), its settings allow our tracking events
(:mod:`xblocks.scorm.plugin_settings`) and :mod:`xblocks.scorm.xapi` registers their xAPI transformers.
"""

from django.apps import AppConfig


class ScormPlayerConfig(AppConfig):
    """Loaded by edx-platform through the ``cms.djangoapp`` and ``lms.djangoapp`` entry points."""

    name = "xblocks.scorm"
    label = "mooc_bridge_scorm"
    verbose_name = "mooc-bridge SCORM player"
    # edx-django-utils' PluginURLs keys as plain strings, so this imports outside edx-platform; Studio mounts
    # nothing (its preview serves package files through the block's handler)
    plugin_app: dict = {
        "url_config": {
            "lms.djangoapp": {
                "namespace": "mooc_bridge_scorm",
                "app_name": "mooc_bridge_scorm",
                "regex": r"^mooc-bridge/scorm/",
                "relative_path": "urls",
            },
        },
        # the LMS only: Studio publishes no learner events
        "settings_config": {
            "lms.djangoapp": {
                "common": {"relative_path": "plugin_settings"},
                "production": {"relative_path": "plugin_settings"},
            },
        },
    }

    def ready(self):
        """Register the package-import task with whichever Celery app the process runs, and our xAPI transformers
        with event-routing-backends when it is an installed app (its modules need its models)."""
        from django.apps import apps

        from . import tasks  # noqa: F401 - imported for its @shared_task registration

        if apps.is_installed("event_routing_backends"):
            from . import xapi  # noqa: F401 - imported for its XApiTransformersRegistry.register decorators
