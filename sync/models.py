"""The sync journal: runs, their operations (one per change, with an idempotency key) and the review list.

The journal is what makes a run safe to kill and to repeat (docs/decisions/0012):

* an :class:`Operation` is ``planned`` when the plan is saved, ``started`` (committed) *before* its write is
  sent, and ``done``/``failed``/``skipped`` after the target answered. A run killed between a write and its
  journal entry leaves the operation ``started``; resuming re-reads the target before writing again.
* ``(target, key)`` is unique: the same change to the same target is one row, whichever run planned it.
* a :class:`ReviewItem` is a person the engine refused to match (ambiguous or conflicting identity):
  nothing is ever written for them.

Text stored here is language-neutral (reason codes and their parameters); reports translate it.
"""

from __future__ import annotations

from django.db import models


class SyncRun(models.Model):
    """One ``sync roster|grades`` run: what it read from and wrote to, its options, state and report."""

    RUNNING, DONE, FAILED, INTERRUPTED = "running", "done", "failed", "interrupted"
    HELD, DISCARDED = "held", "discarded"  # a plan waiting for approval, and one a person dropped (ADR 0022)
    STATUSES = [(RUNNING, "running"), (DONE, "done"), (FAILED, "failed"), (INTERRUPTED, "interrupted"),
                (HELD, "held"), (DISCARDED, "discarded")]
    KINDS = [("roster", "roster"), ("grades", "grades")]

    kind = models.CharField(max_length=16, choices=KINDS)
    source_spec = models.CharField(max_length=1000, help_text="the --from SPEC, secrets removed")
    target_spec = models.CharField(max_length=1000, help_text="the --to SPEC, secrets removed")
    target_key = models.CharField(max_length=255, db_index=True, help_text="scope of the idempotency keys")
    options = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING, db_index=True)
    counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    bookmark = models.JSONField(default=dict, blank=True,
                                help_text="batches whose results are committed; advances only after a commit")
    error = models.JSONField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.IntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True,
                                help_text="while it runs on Celery workers: phase, records read, chunk size")

    class Meta:
        app_label = "mooc_bridge_sync"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.kind} {self.status}"


class Operation(models.Model):
    """One change the plan asked for, journalled so that it is written once and only once.

    ``key`` is deterministic (target, stream, the record's identity, the desired value); ``payload`` is
    the record to write (``record.model_dump(mode="json")``); ``reason`` and ``reason_params`` say why
    (a code, translated in reports); ``result`` holds the adapter's answer or what a re-read found.
    """

    PLANNED, STARTED, DONE, FAILED, SKIPPED = "planned", "started", "done", "failed", "skipped"
    STATES = [(PLANNED, "planned"), (STARTED, "started"), (DONE, "done"), (FAILED, "failed"),
              (SKIPPED, "skipped")]
    OPEN_STATES = (PLANNED, STARTED)

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="operations")
    target = models.CharField(max_length=255)
    key = models.CharField(max_length=64)
    seq = models.IntegerField(help_text="order in the plan; batches are cut along it")
    stream = models.CharField(max_length=32)
    action = models.CharField(max_length=16)
    force = models.BooleanField(default=False)
    subject = models.CharField(max_length=255, blank=True, default="", help_text="who/what, for people: 学号 · item")
    payload = models.JSONField()
    before = models.JSONField(null=True, blank=True, help_text="the target's value when planned")
    reason = models.CharField(max_length=64)
    reason_params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=STATES, default=PLANNED)
    attempts = models.IntegerField(default=0)
    retriable = models.BooleanField(default=False)
    error = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "mooc_bridge_sync"
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["target", "key"], name="sync_operation_target_key")]
        indexes = [models.Index(fields=["run", "state"], name="sync_op_run_state"),
                   models.Index(fields=["run", "seq"], name="sync_op_run_seq")]

    def __str__(self) -> str:
        return f"{self.action} {self.stream} {self.subject} ({self.state})"


class ReviewItem(models.Model):
    """A person the engine would not match on its own; a registrar decides. Never written to the target."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="review_items")
    person = models.JSONField(help_text="the source person as read")
    reason = models.CharField(max_length=64)
    reason_params = models.JSONField(default=dict, blank=True)
    candidates = models.JSONField(default=list, blank=True, help_text="target people it could be")
    records = models.IntegerField(default=0, help_text="source records held back with this person")
    resolved = models.BooleanField(default=False)

    class Meta:
        app_label = "mooc_bridge_sync"
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "reason"], name="sync_review_run_reason")]

    def __str__(self) -> str:
        return f"review {self.reason} in run {self.run_id}"


class SyncChunk(models.Model):
    """One slice of a run's operations (``first_seq``..``last_seq``) applied by one Celery task.

    A chunk is ``queued`` until a task claims it; the claim is a lease (``owner`` + ``heartbeat_at``, renewed
    after every committed batch), so a chunk delivered twice is never applied by two workers at once, and a
    chunk whose worker died is taken over once its lease has expired (docs/decisions/0018).
    """

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "queued"), (RUNNING, "running"), (DONE, "done"), (FAILED, "failed")]
    FINISHED = (DONE, FAILED)

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.IntegerField()
    first_seq = models.IntegerField()
    last_seq = models.IntegerField()
    size = models.IntegerField(help_text="operations in the chunk when it was cut")
    state = models.CharField(max_length=16, choices=STATES, default=QUEUED)
    attempts = models.IntegerField(default=0, help_text="how many times a task claimed it")
    owner = models.CharField(max_length=255, blank=True, default="", help_text="the task holding the lease")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "mooc_bridge_sync"
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="sync_chunk_run_number")]

    def __str__(self) -> str:
        return f"chunk {self.number} of run {self.run_id} ({self.state})"
