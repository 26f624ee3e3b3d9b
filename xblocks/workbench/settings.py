"""Django settings for the workbench demo and the test suite: SQLite and a local folder.

Everything lives under ``MOOC_BRIDGE_HOME`` (default ``./var``): the database, the log, package storage.
In production none of this is used: the blocks run in the LMS and Studio with the operator's settings.
"""

import os
from pathlib import Path

import django
from workbench.settings import *  # noqa: F403 - we extend the SDK's settings
from workbench.settings import INSTALLED_APPS, LOGGING, MIDDLEWARE, TEMPLATES, WORKBENCH

HOME = Path(os.environ.get("MOOC_BRIDGE_HOME", Path.cwd() / "var")).resolve()
HOME.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("MOOC_BRIDGE_DB", str(HOME / "workbench.db")),
        "OPTIONS": {"timeout": 30},
    }
}
if django.VERSION >= (5, 1):
    # BEGIN IMMEDIATE (Django 5.1+): a transaction that reads then writes (any transaction here) takes
    # the write lock first, so concurrent requests wait their turn instead of failing with "database is locked"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
LOGGING["handlers"]["logfile"]["filename"] = str(HOME / "workbench.log")
SECRET_KEY = os.environ.get("MOOC_BRIDGE_SECRET_KEY", "mooc-bridge-workbench-not-for-production")

# Show our blocks, not the SDK's samples.
EXCLUDED_XBLOCKS = {
    "allscopes_demo", "attempts_scoreboard_demo", "equality_demo", "filethumbs", "helloworld_demo",
    "html_demo", "problem_demo", "sidebar_demo", "slider_demo", "textinput_demo", "thumbs",
    "view_counter_demo",
}

# The SDK lists django-pyfs for its sample blocks' file-system service; our blocks do not use it.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "djpyfs"]
INSTALLED_APPS += ["xblocks.workbench.apps.WorkbenchDemoConfig", "sync.apps.SyncConfig",
                   "xblocks.scorm.apps.ScormPlayerConfig"]
WORKBENCH = {**WORKBENCH, "services": {k: v for k, v in WORKBENCH["services"].items() if k != "fs"}}
ROOT_URLCONF = "xblocks.workbench.urls"
TEMPLATES[0]["DIRS"].insert(0, str(Path(__file__).resolve().parent / "templates"))
# the workbench's own words (index, scenario page, events page) in the request's language
TEMPLATES[0]["OPTIONS"]["context_processors"].append("xblocks.workbench.chrome.chrome")

# The learner's language, as in the LMS: ?lang=zh-cn or the browser's Accept-Language.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
                  "django.middleware.locale.LocaleMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
                  "xblocks.workbench.middleware.query_language")
# The default language when no request picks one (commands that set Django up): from the environment.
_env_language = os.environ.get("MOOC_BRIDGE_LANGUAGE") or os.environ.get("LANGUAGE") or os.environ.get("LANG") or ""
LANGUAGE_CODE = "zh-hans" if _env_language.lower().startswith("zh") else "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
USE_I18N = True

# What operators set in the LMS as XBLOCK_SETTINGS, read through the XBlock settings service.
XBLOCK_SETTINGS = {
    "mooc_bridge_embed": {
        # hosts whose pages may be framed besides the platforms' public players
        "IFRAME_ALLOWED_HOSTS": [],
        # extra platforms (provincial platforms, school hosts): see adapters/platforms
        "EXTRA_PLATFORMS": [],
    },
    "mooc_bridge_scorm": {
        "STORAGE_ROOT": str(HOME / "storage"),
        # a separate origin for package files (ADR 0031): `mooc-bridge workbench --scorm-content-origin URL`
        "CONTENT_ORIGIN": os.environ.get("MOOC_BRIDGE_SCORM_CONTENT_ORIGIN", ""),
    },
}

MOOC_BRIDGE = {
    "STORAGE_ROOT": str(HOME / "storage"),
}

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
