"""Django admin pages of the sync journal: runs (with live progress), operations, the review list.

The journal is an audit trail: nothing here adds, edits or deletes a run or an operation. The only
change an admin page makes is marking a review item resolved, and (with the change permission on runs)
handing an interrupted run back to the Celery workers, or approving or discarding a run held for approval.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.functional import lazy

from adapters.i18n import Translator

from . import journal
from .models import Operation, ReviewItem, SyncChunk, SyncRun

_ = Translator.for_package("sync").gettext
gettext_lazy = lazy(_, str)


class _Kept:
    """Rows of the journal are never added or deleted from the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _Unchanged(_Kept):
    """…and not changed either: viewable only."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnly(_Unchanged, admin.ModelAdmin):
    """A read-only admin page."""


class ChunkInline(_Unchanged, admin.TabularInline):
    """The run's worker tasks and their leases."""

    model = SyncChunk
    fields = ("number", "first_seq", "last_seq", "size", "state", "attempts", "owner", "heartbeat_at", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = gettext_lazy("worker tasks")


@admin.register(SyncRun)
class SyncRunAdmin(_ReadOnly):
    """Runs: what, from where to where, how far (operations finished, worker tasks done), and how it ended."""

    list_display = ("id", "kind", "status", "dry_run", "source_spec", "target_spec", "progress_column",
                    "started_at", "finished_at")
    list_filter = ("status", "kind", "dry_run")
    search_fields = ("source_spec", "target_spec", "target_key")
    readonly_fields = ("kind", "status", "hold_column", "dry_run", "source_spec", "target_spec", "target_key",
                       "progress_column", "options", "counts", "progress", "bookmark", "error", "host", "pid",
                       "started_at", "heartbeat_at", "finished_at")
    exclude = ("report",)
    inlines = [ChunkInline]
    actions = ["resume_on_workers", "approve_on_workers", "discard_held"]

    @admin.display(description=gettext_lazy("progress"))
    def progress_column(self, run: SyncRun) -> str:
        """Operations finished of all, and worker tasks done of all, counted now."""
        data = journal.progress_of(run)
        text = _("{finished} of {total} operations").format(finished=data["finished"], total=data["operations"])
        if data["chunks"].get("total"):
            text += _(", {done} of {total} worker tasks").format(done=data["chunks"].get("done", 0),
                                                                 total=data["chunks"]["total"])
        return text

    @admin.display(description=gettext_lazy("held for approval because"))
    def hold_column(self, run: SyncRun) -> str:
        """Why the run held (its shares and limits), or "-"."""
        from .hold import HOLD_REASONS

        hold = (run.report or {}).get("hold") or {}
        return "; ".join(_(HOLD_REASONS[r["code"]]).format(**{**r, "percent": f"{r['percent']:g}",
                                                              "limit": f"{r['limit']:g}"})
                         for r in hold.get("reasons", []) if r.get("code") in HOLD_REASONS) or "-"

    def has_resume_permission(self, request) -> bool:
        """Handing a run back to the workers needs the change permission on runs (the pages stay read-only)."""
        return request.user.has_perm("mooc_bridge_sync.change_syncrun")

    def _each_run(self, request, queryset: Any, act: Any, done: str) -> None:
        """Call ``act(run_id)`` for each selected run; report its refusal, or ``done`` (a message with {run})."""
        from .runner import SyncRefused

        for run in queryset:
            try:
                act(run.pk)
            except SyncRefused as refused:
                self.message_user(request, refused.message, messages.WARNING)
            else:
                self.message_user(request, done.format(run=run.pk), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Resume on the Celery workers"), permissions=["resume"])
    def resume_on_workers(self, request, queryset: Any) -> None:
        """Send each selected interrupted or failed run back to the workers (:func:`sync.tasks.enqueue_resume`)."""
        from .tasks import enqueue_resume

        self._each_run(request, queryset, enqueue_resume, _("Run {run} was handed to the workers."))

    @admin.action(description=gettext_lazy("Approve: apply the held plan on the Celery workers"),
                  permissions=["resume"])
    def approve_on_workers(self, request, queryset: Any) -> None:
        """Apply each selected held run's plan on the workers (:func:`sync.tasks.enqueue_approve`)."""
        from .tasks import enqueue_approve

        self._each_run(request, queryset, enqueue_approve, _("Run {run} was approved and handed to the workers."))

    @admin.action(description=gettext_lazy("Discard the held plan"), permissions=["resume"])
    def discard_held(self, request, queryset: Any) -> None:
        """Drop each selected held run's plan (:func:`sync.approval.discard`); nothing of it is written."""
        from .approval import discard

        self._each_run(request, queryset, discard, _("Run {run} was discarded."))


@admin.register(Operation)
class OperationAdmin(_ReadOnly):
    """Operations, one per planned change: filter by state, search by idempotency key or subject."""

    list_display = ("id", "run", "seq", "stream", "action", "subject", "state", "attempts", "reason", "updated_at")
    list_filter = ("state", "stream", "action")
    search_fields = ("=key", "subject", "=run__id")
    list_select_related = ("run",)
    readonly_fields = ("run", "target", "key", "seq", "stream", "action", "force", "subject", "payload", "before",
                       "reason", "reason_params", "state", "attempts", "retriable", "error", "result", "updated_at")


@admin.register(ReviewItem)
class ReviewItemAdmin(_Kept, admin.ModelAdmin):
    """People held back for a registrar to decide; only ``resolved`` can be changed."""

    list_display = ("id", "run", "who", "reason", "records", "resolved")
    list_filter = ("resolved", "reason")
    search_fields = ("=run__id",)
    list_editable = ("resolved",)
    readonly_fields = ("run", "person", "reason", "reason_params", "candidates", "records")
    fields = ("run", "person", "reason", "reason_params", "candidates", "records", "resolved")

    @admin.display(description=gettext_lazy("person"))
    def who(self, item: ReviewItem) -> str:
        """学号 (or another key) and name of the held-back person."""
        person = item.person or {}
        key = person.get("student_number") or person.get("external_id") or person.get("email") or "?"
        return f"{key} {person.get('name') or ''}".strip()
