"""A workbench runtime whose ``publish`` keeps what the LMS would record (grades, completion, events)."""

import json
import logging

from workbench.runtime import WorkbenchRuntime

log = logging.getLogger(__name__)


class RecordingWorkbenchRuntime(WorkbenchRuntime):
    """The SDK's runtime, plus a :class:`~xblocks.workbench.models.PublishedEvent` for each publish."""

    def publish(self, block, event_type, event_data):
        """Record the event, then log it as the SDK does."""
        from .models import PublishedEvent

        try:
            data = json.loads(json.dumps(event_data, default=str))
        except (TypeError, ValueError):
            data = {"repr": repr(event_data)}
        PublishedEvent.objects.create(
            student_id=str(block.scope_ids.user_id),
            usage_id=str(block.scope_ids.usage_id),
            block_type=block.scope_ids.block_type,
            event_type=event_type,
            data=data,
        )
        super().publish(block, event_type, event_data)
