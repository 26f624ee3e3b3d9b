"""Minimal Django settings for the standalone ``mooc-bridge sync`` command: the journal in a SQLite file.

Used only when ``DJANGO_SETTINGS_MODULE`` is unset. The database is ``$MOOC_BRIDGE_HOME/sync.db``
(default ``./var/sync.db``), or ``MOOC_BRIDGE_SYNC_DB``. Inside the LMS the LMS settings (and its database)
are used instead, and the journal tables come from the LMS migrations.
"""

import os
from pathlib import Path

HOME = Path(os.environ.get("MOOC_BRIDGE_HOME", Path.cwd() / "var")).resolve()

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("MOOC_BRIDGE_SYNC_DB", str(HOME / "sync.db")),
        "OPTIONS": {"timeout": 30},
    }
}
INSTALLED_APPS = ["django.contrib.contenttypes", "sync.apps.SyncConfig"]
SECRET_KEY = os.environ.get("MOOC_BRIDGE_SECRET_KEY", "mooc-bridge-sync-standalone")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = os.environ.get("MOOC_BRIDGE_TIME_ZONE", "Asia/Shanghai")
_language = os.environ.get("MOOC_BRIDGE_LANGUAGE") or os.environ.get("LANGUAGE") or os.environ.get("LANG") or ""
LANGUAGE_CODE = "zh-hans" if _language.lower().startswith("zh") else "en"
USE_I18N = True
LOGGING_CONFIG = None
