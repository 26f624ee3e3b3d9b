"""The sync progress URL for API clients (#11 item 10): the LMS's token classes, or the session alone.

edx-platform's REST views authenticate with ``JwtAuthentication``, ``BearerAuthenticationAllowInactiveUser`` and
``SessionAuthenticationAllowInactiveUser`` (``lms/djangoapps/program_enrollments/rest_api/v1/views.py``). Here
DRF and edx-platform are absent, so :class:`TokenAuthentication` stands for those classes with their contract: a
user for a good ``Authorization`` header, ``None`` for none of its kind, an exception with ``status_code`` 401
for a bad one (DRF's ``AuthenticationFailed``).
"""

from __future__ import annotations

import sys
import types

import pytest
from django.contrib.auth import get_user_model
from django.urls import include, path

from sync.api_auth import DEFAULT_AUTHENTICATION, authentication_classes
from sync.models import SyncRun

TOKENS: dict[str, str] = {}


class AuthenticationFailed(Exception):
    status_code = 401


class TokenAuthentication:
    """``authenticate(request)`` as DRF authentication classes have it (the LMS's JWT and bearer classes)."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, token = header.partition(" ")
        if scheme not in ("Bearer", "JWT"):
            return None
        if token not in TOKENS:
            raise AuthenticationFailed("Invalid token.")
        return get_user_model().objects.get(username=TOKENS[token]), token


@pytest.fixture
def urls(settings):
    module = types.ModuleType("progress_api_test_urls")
    module.urlpatterns = [path("api/mooc-bridge/sync/", include("sync.urls"))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    yield
    del sys.modules[module.__name__]


@pytest.fixture
def run(db):
    users = get_user_model().objects
    users.create_user("svc", is_staff=True)
    users.create_user("learner")
    TOKENS.clear()
    TOKENS.update({"good-staff": "svc", "good-learner": "learner"})
    return SyncRun.objects.create(kind="roster", source_spec="csv:r.csv", target_spec="openedx:https://lms.x")


def url(run: SyncRun) -> str:
    return f"/api/mooc-bridge/sync/runs/{run.pk}/progress"


def test_an_api_client_reads_progress_with_a_token_as_the_lms_accepts(urls, run, client, settings):
    settings.MOOC_BRIDGE_SYNC_API_AUTHENTICATION = ["no.such.module.JwtAuthentication",
                                                    "tests.sync.test_progress_api.TokenAuthentication"]
    for scheme in ("Bearer", "JWT"):
        answer = client.get(url(run), HTTP_AUTHORIZATION=f"{scheme} good-staff")
        assert answer.status_code == 200 and answer.json()["status"] == run.status, answer.content
    learner = client.get(url(run), HTTP_AUTHORIZATION="Bearer good-learner")
    assert learner.status_code == 403 and learner.json()["error"]["code"] == "forbidden"  # the same staff rule
    bad = client.get(url(run), HTTP_AUTHORIZATION="Bearer forged")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "not_authenticated"
    assert bad["WWW-Authenticate"].startswith("JWT")
    assert client.get(url(run)).status_code == 401


def test_without_the_lms_classes_the_session_still_works_and_a_token_gets_401(urls, run, client):
    assert authentication_classes() == []  # edx-platform's classes are not importable here
    assert client.get(url(run), HTTP_AUTHORIZATION="Bearer good-staff").status_code == 401
    client.force_login(get_user_model().objects.get(username="svc"))
    answer = client.get(url(run))
    assert answer.status_code == 200 and answer.json()["status"] == run.status
    client.force_login(get_user_model().objects.get(username="learner"))
    assert client.get(url(run)).status_code == 403


def test_the_default_classes_are_the_ones_edx_platform_views_list():
    assert DEFAULT_AUTHENTICATION == (
        "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication",
        "openedx.core.lib.api.authentication.BearerAuthenticationAllowInactiveUser")
