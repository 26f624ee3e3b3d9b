"""URLs the LMS mounts under ``api/mooc-bridge/sync/`` (``plugin_app`` → ``url_config``).

``GET runs/<id>/progress`` — JSON progress of one run (status, phase, operations by state, worker tasks by
state), for staff only: the same numbers the admin page and ``mooc-bridge sync status`` show. Browsers come with
their session; API clients with a JWT or bearer token, accepted by the LMS's own authentication classes
(:mod:`sync.api_auth`). 401 without usable credentials, 403 for a user who is not staff.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from adapters.i18n import Translator

from . import journal
from .api_auth import token_user
from .models import SyncRun

_ = Translator.for_package("sync").gettext

app_name = "mooc_bridge_sync"


@require_GET
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    """The progress of run ``run_id``; 401 without credentials, 403 for anyone not staff, 404 for an unknown run."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        user, refused = token_user(request)
        if user is None:
            message = (_("The token was refused.") if refused else
                       _("Sign in, or send an OAuth2 token (Authorization: JWT … or Bearer …)."))
            answer = JsonResponse({"error": {"code": "not_authenticated", "message": message}}, status=401)
            answer["WWW-Authenticate"] = 'JWT realm="api"'
            return answer
    if not user.is_staff:
        return JsonResponse({"error": {"code": "forbidden", "message": _("Only staff can see sync runs.")}},
                            status=403)
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        return JsonResponse({"error": {"code": "no_such_run",
                                       "message": _("There is no sync run {run}.").format(run=run_id)}}, status=404)
    return JsonResponse(journal.progress_of(run), json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("runs/<int:run_id>/progress", run_progress, name="run_progress"),
]
