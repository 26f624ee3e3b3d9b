"""The journal's chunks: a run applied by Celery tasks (docs/decisions/0018)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from ..models import Operation, SyncChunk, SyncRun
from .operations import CHUNK, state_counts

__all__ = ["claim_chunk", "close_if_complete", "cut_chunks", "finish_chunk", "progress_of", "renew_chunk"]


def cut_chunks(run: SyncRun, size: int) -> list[SyncChunk]:
    """Replace ``run``'s chunks by new ones over its open operations, ``size`` operations each, in plan order.

    Call inside the transaction that saved the plan, so a plan is never visible without its chunks.
    """
    SyncChunk.objects.filter(run=run).delete()
    seqs = Operation.objects.filter(run=run, state__in=Operation.OPEN_STATES).order_by("seq").values_list(
        "seq", flat=True)
    chunks: list[SyncChunk] = []
    batch: list[int] = []
    for seq in seqs.iterator(chunk_size=5000):
        batch.append(seq)
        if len(batch) == size:
            chunks.append(SyncChunk(run=run, number=len(chunks), first_seq=batch[0], last_seq=batch[-1],
                                    size=len(batch)))
            batch = []
    if batch:
        chunks.append(SyncChunk(run=run, number=len(chunks), first_seq=batch[0], last_seq=batch[-1], size=len(batch)))
    SyncChunk.objects.bulk_create(chunks, batch_size=CHUNK)
    return chunks


def claim_chunk(chunk: SyncChunk, owner: str, lease: timedelta) -> bool:
    """Take the lease of ``chunk`` for ``owner`` if it is queued, or running under an expired lease.

    One conditional ``UPDATE``: of two tasks holding the same chunk, exactly one wins.
    """
    now = timezone.now()
    free = Q(state=SyncChunk.QUEUED) | Q(state=SyncChunk.RUNNING, heartbeat_at__lt=now - lease)
    won = SyncChunk.objects.filter(pk=chunk.pk).filter(free).update(
        state=SyncChunk.RUNNING, owner=owner[:255], heartbeat_at=now, attempts=F("attempts") + 1, updated_at=now)
    return bool(won)


def renew_chunk(chunk: SyncChunk, owner: str) -> bool:
    """Renew ``owner``'s lease on ``chunk``; ``False`` when the lease was lost (another task took the chunk)."""
    now = timezone.now()
    return bool(SyncChunk.objects.filter(pk=chunk.pk, owner=owner[:255], state=SyncChunk.RUNNING).update(
        heartbeat_at=now, updated_at=now))


def finish_chunk(chunk: SyncChunk, owner: str, state: str, error: dict[str, Any] | None = None) -> bool:
    """Close ``chunk`` as ``done`` or ``failed`` if ``owner`` still holds it."""
    return bool(SyncChunk.objects.filter(pk=chunk.pk, owner=owner[:255], state=SyncChunk.RUNNING).update(
        state=state, error=error, heartbeat_at=timezone.now(), updated_at=timezone.now()))


def close_if_complete(run: SyncRun) -> SyncRun | None:
    """Finish ``run`` when all its chunks are finished; return it if this call finished it, else ``None``.

    The status moves from ``running`` with one conditional ``UPDATE``, so of several chunks finishing at
    once exactly one closes the run. A failed chunk leaves operations open: the run is ``interrupted``
    (resume it); otherwise it is ``failed`` if any operation failed, else ``done``.
    """
    chunks = SyncChunk.objects.filter(run=run)
    if chunks.exclude(state__in=SyncChunk.FINISHED).exists():
        return None
    states = state_counts(run)
    broken = chunks.filter(state=SyncChunk.FAILED).first()
    if broken is not None:
        status, error = SyncRun.INTERRUPTED, broken.error
    else:
        status, error = (SyncRun.FAILED if states.get(Operation.FAILED) else SyncRun.DONE), None
    run.refresh_from_db(fields=["report", "counts"])
    counts = {**(run.report.get("counts") or {}), "states": states}
    closed = SyncRun.objects.filter(pk=run.pk, status=SyncRun.RUNNING).update(
        status=status, finished_at=timezone.now(), counts=counts, error=error,
        progress={**(run.progress or {}), "phase": "finished"})
    if not closed:
        return None
    run.refresh_from_db()
    return run


def progress_of(run: SyncRun) -> dict[str, Any]:
    """What a person watching ``run`` wants to know: status, phase, operations by state, chunks by state."""
    chunk_rows = SyncChunk.objects.filter(run=run).values("state").annotate(n=Count("pk"))
    chunks = {row["state"]: row["n"] for row in chunk_rows}
    states = state_counts(run) if run.status == SyncRun.RUNNING else (run.counts or {}).get("states") or \
        state_counts(run)
    total = sum(states.values())
    finished = sum(n for state, n in states.items() if state not in Operation.OPEN_STATES)
    return {"run": run.pk, "kind": run.kind, "status": run.status, "phase": (run.progress or {}).get("phase", ""),
            "read": (run.progress or {}).get("read", 0), "operations": total, "finished": finished,
            "states": states, "chunks": {"total": sum(chunks.values()), **chunks},
            "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}
