"""mooc-bridge as a Tutor plugin (v1): what an Open edX run by Tutor needs for the blocks and the sync.

Tutor imports this module through the ``tutor.plugin.v1`` entry point ``mooc-bridge``, only after
``tutor plugins enable mooc-bridge``; it registers, with Tutor's hooks (``tutor/hooks/catalog.py``):

* **configuration** ``MOOC_BRIDGE_*`` (:data:`DEFAULTS`, and :data:`UNIQUE` for the OAuth2 secret, generated
  once and kept in ``config.yml``);
* **patches** from ``templates/mooc-bridge/patches/<patch name>``: the package installed into the ``openedx``
  image that the LMS, Studio and their workers share; ``XBLOCK_SETTINGS`` for both blocks, with SCORM packages
  in ``/openedx/media-private`` (mounted in the LMS, Studio and both workers; ``/openedx/media`` is served to
  anyone at ``/media/``); the bulk enrollment API; the sync's credentials and schedules; a ``celery beat``
  service when schedules are set;
* **an init task** in the LMS (``templates/mooc-bridge/tasks/lms/init``): the staff service user of the sync,
  its DOT application (client credentials), the writable gradebook flag, and the programs cache.

It imports nothing of ours, so Tutor's environment needs nothing of the LMS to load it; tests check that the
names written here are the ones our code reads (tests/xblocks/test_tutor_plugin.py).
"""

from __future__ import annotations

from importlib import metadata, resources

from tutor import hooks

__all__ = ["DEFAULTS", "NAME", "UNIQUE"]

NAME = "mooc-bridge"
"""The plugin's name (the entry point's): ``tutor plugins enable mooc-bridge``."""

_TEMPLATES = resources.files("xblocks.tutor") / "templates" / NAME

try:
    _VERSION = metadata.version("mooc-bridge")
except metadata.PackageNotFoundError:  # pragma: no cover - the entry point comes from the installed package
    _VERSION = "0"

DEFAULTS: dict[str, object] = {
    "VERSION": _VERSION,
    # what the image installs: by default the release that holds this plugin (a wheel URL or a git URL works too)
    "PIP_REQUIREMENT": "mooc-bridge=={{ MOOC_BRIDGE_VERSION }}",
    # SCORM packages, upload jobs and uploads: a folder that the LMS, Studio and their workers all see
    # (XBLOCK_SETTINGS["mooc_bridge_scorm"]["STORAGE_ROOT"]); empty: a Django storage under STORAGE_PREFIX
    "SCORM_STORAGE_ROOT": "/openedx/media-private/mooc-bridge/scorm",
    # with SCORM_STORAGE_ROOT empty: the dotted path of a callable that returns the storage (S3, OSS, MinIO through
    # django-storages); empty: Django's default storage
    "SCORM_STORAGE": "",
    "SCORM_STORAGE_PREFIX": "mooc-bridge/scorm",
    # large uploads are checked and stored by a Studio worker (cms-worker), not inside the request
    "SCORM_USE_CELERY": True,
    # XBLOCK_SETTINGS["mooc_bridge_embed"]: hosts whose pages may be framed, platforms added as data
    "EMBED_IFRAME_ALLOWED_HOSTS": [],
    "EMBED_EXTRA_PLATFORMS": [],
    # FEATURES["ENABLE_BULK_ENROLLMENT_VIEW"] (lms/urls.py mounts /api/bulk_enroll/v1/ only when it is on)
    "BULK_ENROLLMENT": True,
    # the course waffle flag grades.writable_gradebook, created on for everyone when it does not exist yet
    "WRITABLE_GRADEBOOK": True,
    # program enrollments: fill the LMS's programs cache from Discovery (./manage.py lms cache_programs)
    "PROGRAMS": False,
    # the staff user the sync acts as, and its DOT application (grant type client credentials)
    "SERVICE_USERNAME": "mooc_bridge_sync",
    "SERVICE_EMAIL": "mooc_bridge_sync@openedx",
    "OAUTH2_APPLICATION": "mooc-bridge-sync",
    "OAUTH2_KEY": "mooc-bridge-sync",
    # MOOC_BRIDGE_SYNC_SCHEDULES of the LMS (sync/schedule.py): a list of {"name", "kind", "from", "to", "options",
    # "crontab" | "every"}; when it is not empty and SYNC_BEAT is on, `tutor local` runs a celery beat for the LMS
    "SYNC_SCHEDULES": [],
    "SYNC_BEAT": True,
}
"""Configuration defaults, each ``MOOC_BRIDGE_<key>`` in Tutor's ``config.yml`` (``tutor config save --set``)."""

UNIQUE: dict[str, str] = {
    "OAUTH2_SECRET": "{{ 24|random_string }}",
}
"""Generated once per installation by ``tutor config save`` and kept in ``config.yml``."""

hooks.Filters.CONFIG_DEFAULTS.add_items([(f"MOOC_BRIDGE_{key}", value) for key, value in DEFAULTS.items()])
hooks.Filters.CONFIG_UNIQUE.add_items([(f"MOOC_BRIDGE_{key}", value) for key, value in UNIQUE.items()])

for _patch in sorted(_TEMPLATES.joinpath("patches").iterdir(), key=lambda path: path.name):
    if _patch.is_file():
        hooks.Filters.ENV_PATCHES.add_item((_patch.name, _patch.read_text(encoding="utf-8")))

hooks.Filters.CLI_DO_INIT_TASKS.add_item(
    ("lms", _TEMPLATES.joinpath("tasks", "lms", "init").read_text(encoding="utf-8")))

# `tutor mounts add /path/to/mooc-bridge`: Tutor installs the checkout (editable) into the openedx image
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", "mooc-bridge"))
