"""The unguessable folder SCORM packages live in, so Django storage served without a login does not leak them.

Django's default storage is often public: Tutor's uWSGI serves ``/openedx/media`` at ``/media/`` to anyone
(``tutor/templates/apps/openedx/settings/partials/common_all.py`` sets ``MEDIA_ROOT``), and a public bucket
does the same. A package's sha256 is no secret (it is in the block's OLX, in the URLs learners see, and anyone
holding the zip can compute it), so ``<prefix>/<sha256>/…`` could be fetched by whoever guessed it. Packages
therefore live under ``<prefix>/<secret>/<sha256>/…``: ``<secret>`` is the operator's
``XBLOCK_SETTINGS["mooc_bridge_scorm"]["STORAGE_SECRET"]`` when set, else an HMAC of the fixed string
:data:`PURPOSE` keyed by Django's ``SECRET_KEY`` (which Tutor gives the LMS, Studio and their workers alike,
``tutor/templates/apps/openedx/config/partials/auth.yml``). It is the same on every server of a deployment,
different between deployments, and not derivable from anything a learner sees.

Earlier places stay readable (:class:`xblocks.scorm.stores.FallbackStore`): the plain ``<prefix>/<sha256>/``
of earlier versions, and the folders of ``SECRET_KEY_FALLBACKS`` after a key rotation. ``manage.py lms
mooc_bridge_scorm_storage --move`` moves them into the current folder (:mod:`xblocks.scorm.relocate`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from adapters.i18n import Translator

__all__ = ["PURPOSE", "SECRET_PATTERN", "current_secret", "derive", "previous_secrets"]

_ = Translator.for_package("xblocks").gettext

PURPOSE = "mooc-bridge.scorm.storage-folder"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,128}$")  # 22 URL-safe characters carry at least 128 bits


@lru_cache(maxsize=16)  # asked on every request that loads the package: the keys are a handful per process
def derive(key: str | bytes) -> str:
    """The folder name derived from ``key``: 32 hexadecimal digits (128 bits) of an HMAC-SHA256."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(PURPOSE, "folder", secret=key, algorithm="sha256").hexdigest()[:32]


def current_secret(bucket: dict[str, Any]) -> str:
    """The folder packages are written to: ``STORAGE_SECRET``, else derived from ``SECRET_KEY``.

    A ``STORAGE_SECRET`` that is too short or holds characters other than letters, digits, ``-`` and ``_``
    raises ``ImproperlyConfigured`` naming the setting, before anything is stored.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    explicit = bucket.get("STORAGE_SECRET")
    if explicit is not None:
        if not isinstance(explicit, str) or not SECRET_PATTERN.match(explicit):
            raise ImproperlyConfigured(_(
                'XBLOCK_SETTINGS["mooc_bridge_scorm"]["STORAGE_SECRET"] must be 22 to 128 letters, digits, "-" or '
                '"_" (for example the output of: python -c "import secrets; print(secrets.token_urlsafe(32))").'))
        return explicit
    return derive(settings.SECRET_KEY)


def previous_secrets(bucket: dict[str, Any]) -> list[str]:
    """Folders of earlier keys still read: those of ``SECRET_KEY_FALLBACKS`` (and of ``SECRET_KEY`` when
    ``STORAGE_SECRET`` took over from it), never the current one."""
    from django.conf import settings

    current = current_secret(bucket)
    keys = [*([settings.SECRET_KEY] if "STORAGE_SECRET" in bucket else []),
            *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    found: list[str] = []
    for key in keys:
        name = derive(key)
        if name != current and name not in found:
            found.append(name)
    return found
