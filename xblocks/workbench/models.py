"""What the LMS would record for a block: grades, completion and other published events."""

from django.db import models


class PublishedEvent(models.Model):
    """One ``runtime.publish(block, event_type, data)`` call, kept for the demo and the tests."""

    student_id = models.CharField(max_length=255, db_index=True)
    usage_id = models.CharField(max_length=255, db_index=True)
    block_type = models.CharField(max_length=255)
    event_type = models.CharField(max_length=255, db_index=True)
    data = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.event_type} {self.usage_id} {self.student_id}"

    def as_dict(self):
        """Return the event as JSON-ready data."""
        return {
            "id": self.id,
            "student_id": self.student_id,
            "usage_id": self.usage_id,
            "block_type": self.block_type,
            "event_type": self.event_type,
            "data": self.data,
            "created": self.created.isoformat(),
        }
