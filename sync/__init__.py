"""The sync engine: identity matching, planning, the journal, the runner and the Celery tasks.

``from sync import run_sync, resume, SyncOptions`` (loaded on first use: the runner needs Django's models,
and this package is imported by Django's app registry before they are ready).
"""

_LAZY = {"run_sync": "runner", "resume": "runner", "SyncOptions": "runner", "SyncRefused": "runner"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
