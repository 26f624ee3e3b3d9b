"""The SCORM block as an Open edX plugin app, so that Studio's and the LMS's Celery workers know its task.

Workers only register tasks of installed Django apps (``autodiscover_tasks`` imports ``<app>.tasks``); an
XBlock alone is not an app. It mounts no URLs; its one table, :class:`~xblocks.scorm.models.CommitSequence`,
makes the newer of two concurrent commits win (``migrate`` creates it in the LMS database).
"""

from django.apps import AppConfig


class ScormPlayerConfig(AppConfig):
    """Loaded by edx-platform through the ``cms.djangoapp`` and ``lms.djangoapp`` entry points."""

    name = "xblocks.scorm"
    label = "mooc_bridge_scorm"
    verbose_name = "mooc-bridge SCORM player"
    plugin_app: dict = {}  # nothing to mount or configure (plain data, so it imports outside edx-platform)

    def ready(self):
        """Register the package-import task with whichever Celery app the process runs."""
        from . import tasks  # noqa: F401 - imported for its @shared_task registration
