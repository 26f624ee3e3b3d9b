"""The SCORM player's tables beside the runtime's learner state (ADR 0027, ADR 0033).

Learner state lives in the block's ``Scope.user_state`` fields, which a runtime reads once per request and
writes back whole, so two requests of the same learner (the last autocommit and the beacon of a closing tab)
could each read the same state and the older be written last. :class:`LearnerState` is the copy read and
written under a row lock inside every handler that changes the state (:mod:`xblocks.scorm.sequences`).
"""

from __future__ import annotations

from django.db import models


class CommitSequence(models.Model):
    """The highest commit sequence number accepted for one (block, learner, attempt, SCO).

    No longer written (ADR 0033): the sequence each SCO's state keeps in :class:`LearnerState`, read under the
    row lock, decides. Kept so that servers still running the previous release during an upgrade find it; a
    later release drops it."""

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
    The row is also the learner's lock (ADR 0033); an empty ``data`` is a learner whose row exists to be locked
    but who has nothing stored yet.
    """

    key = models.CharField(max_length=64, primary_key=True, help_text="sha256 of block and learner")
    data = models.TextField(help_text="record, published and raw_earned as JSON")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "mooc_bridge_scorm"
