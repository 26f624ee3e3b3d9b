"""The workbench demo app: records what the blocks publish, as the LMS would."""

from django.apps import AppConfig


class WorkbenchDemoConfig(AppConfig):
    """Installs the recording runtime into the SDK's views when Django starts."""

    name = "xblocks.workbench"
    label = "mooc_bridge_workbench"
    verbose_name = "mooc-bridge workbench"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Make every workbench view use :class:`RecordingWorkbenchRuntime`."""
        import workbench.views

        from .runtime import RecordingWorkbenchRuntime

        # The SDK's views build `WorkbenchRuntime(student_id)` by name; its publish() only logs.
        workbench.views.WorkbenchRuntime = RecordingWorkbenchRuntime
