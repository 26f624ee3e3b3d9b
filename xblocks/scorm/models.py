"""The one table the SCORM player keeps beside the runtime's learner state: the last commit sequence per SCO,
and one lock row per (block, learner) that serialises the handlers writing the learner's record.

Learner state lives in the block's ``Scope.user_state`` fields, which a runtime reads once per request and
writes back whole. Two commits of the same SCO a few milliseconds apart (the last autocommit and the
beacon of a closing tab) would each read the same state and the older one could be written last. The row
here is claimed with one conditional ``UPDATE`` in the transaction that also writes the state, so the
database decides which commit is newer (:mod:`xblocks.scorm.sequences`).
"""

from __future__ import annotations

from django.db import models


class CommitSequence(models.Model):
    """The highest commit sequence number accepted for one (block, learner, attempt, SCO)."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=64, unique=True, help_text="sha256 of block, learner, attempt and SCO")
    sequence = models.BigIntegerField(default=-1)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "mooc_bridge_scorm"


class LearnerState(models.Model):
    """The authoritative copy of one learner's state in one block (``record``, ``published``, ``raw_earned``).

    The runtime loads ``Scope.user_state`` before a handler runs (edx-platform's ``FieldDataCache``), so the
    fields may be older than the lock (:func:`xblocks.scorm.sequences.locked`); this row is read inside it and
    written in the same transaction as the fields, which stay a mirror for the LMS's own tools (ADR 0027).
    """

    key = models.CharField(max_length=64, primary_key=True, help_text="sha256 of block and learner")
    data = models.TextField(help_text="record, published and raw_earned as JSON")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "mooc_bridge_scorm"
