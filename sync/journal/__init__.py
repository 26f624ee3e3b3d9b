"""The journal: every database write of a run, in one place, each in its own short transaction.

No other module of ``sync`` writes a run, an operation, a chunk or a review item (``tests/sync/
test_source_rules.py`` checks the source): the runner, the Celery tasks, hold and approval call these
functions. :mod:`.runs` holds the runs, :mod:`.operations` the plan and the target's answers, :mod:`.chunks` the
Celery chunks (docs/decisions/0012, 0018, 0029).

Only the runner's main thread calls these functions (worker threads do I/O only), so SQLite never sees two
writers of ours at once. The order is the safety (docs/decisions/0012): an operation is committed as
``started`` before its write leaves, and its result is committed after the target answered; the run's
bookmark advances in the same transaction as the results it counts.
"""

from .chunks import claim_chunk, close_if_complete, cut_chunks, finish_chunk, progress_of, renew_chunk
from .operations import journalled_people, mark_started, record_results, save_plan, state_counts
from .runs import (
    STALE_AFTER,
    approve_run,
    claim_operations,
    create_run,
    delta_start,
    discard_run,
    finish_run,
    hold_run,
    is_alive,
    last_source_bookmark,
    live_runs,
    newer_run,
    note_progress,
    queue_run,
    reopen_run,
    set_report,
    settle,
    start_apply,
    supersede,
)

__all__ = ["STALE_AFTER", "approve_run", "claim_chunk", "claim_operations", "close_if_complete", "create_run",
           "cut_chunks", "delta_start", "discard_run", "finish_chunk", "finish_run", "hold_run", "is_alive",
           "journalled_people", "last_source_bookmark", "live_runs", "mark_started", "newer_run", "note_progress",
           "progress_of", "queue_run", "record_results", "renew_chunk", "reopen_run", "save_plan", "set_report",
           "settle", "start_apply", "state_counts", "supersede"]
