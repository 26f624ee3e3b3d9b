"""Who asks for a sync run's progress: a browser session, or an API client's token as edx-platform's REST views take.

edx-platform's REST views list ``authentication_classes = (JwtAuthentication, BearerAuthenticationAllowInactiveUser,
SessionAuthenticationAllowInactiveUser)`` (``lms/djangoapps/program_enrollments/rest_api/v1/views.py``,
``openedx/core/lib/api/view_utils.py`` ``view_auth_classes``): a JWT (``Authorization: JWT …``, what the OAuth2
client-credentials grant with ``token_type=jwt`` returns) from edx-drf-extensions, a DOT bearer token from
``openedx/core/lib/api/authentication.py``, then the session. Our progress view is a plain Django view (it must also
run where Django REST framework is absent), so it asks the same classes itself: each is a DRF authentication class
whose ``authenticate(request)`` returns ``(user, auth)``, ``None`` when the request carries no credentials of its
kind, or raises an exception with ``status_code`` 401/403 for bad ones. ``MOOC_BRIDGE_SYNC_API_AUTHENTICATION``
(dotted paths) replaces the list; classes that cannot be imported (the workbench, tests) are skipped, so the
session keeps working alone.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["DEFAULT_AUTHENTICATION", "authentication_classes", "token_user"]

log = logging.getLogger(__name__)

DEFAULT_AUTHENTICATION = (
    "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication",
    "openedx.core.lib.api.authentication.BearerAuthenticationAllowInactiveUser",
)


def authentication_classes() -> list[type]:
    """The token authentication classes that can be imported here, in the order they are tried."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    found = []
    for path in getattr(settings, "MOOC_BRIDGE_SYNC_API_AUTHENTICATION", DEFAULT_AUTHENTICATION):
        try:
            found.append(import_string(path))
        except ImportError:
            log.debug("API authentication class %s is not importable here; skipped", path)
    return found


def _drf_request(request):
    """The DRF ``Request`` the classes expect (they read ``request._request`` for CSRF), when DRF is installed."""
    try:
        from rest_framework.request import Request
    except ImportError:
        return request
    return Request(request)


def token_user(request) -> tuple[Any | None, bool]:
    """``(user, refused)`` for the request's ``Authorization`` header: the user a class accepted it for, or
    ``refused=True`` when a class said the credentials are bad; ``(None, False)`` without a header or a class."""
    if not request.META.get("HTTP_AUTHORIZATION"):
        return None, False
    wrapped = _drf_request(request)
    for cls in authentication_classes():
        try:
            result = cls().authenticate(wrapped)
        except Exception as exc:  # DRF's AuthenticationFailed / PermissionDenied carry a status_code
            if getattr(exc, "status_code", None) in (401, 403):
                return None, True
            raise
        if result:
            return result[0], False
    return None, False
