"""The sync engine: identity matching, planning, the journal, the runner and the Celery tasks."""
