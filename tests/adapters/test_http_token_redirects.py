"""adapters.http: one token fetch per attempt cycle, redirects that never carry credentials to another host,
and per-path rate limits (issue #11, item 10 and item 6)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses

from adapters.errors import FatalError, RetriableError
from adapters.http import ClientCredentials, HttpClient, RateLimiter, RetryPolicy

BASE = "https://lms.example.edu"
OTHER = "https://evil.example.net"
SECRET = "s3cr3t-client-secret-value"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlIn0.c2lnbmF0dXJlLXZhbHVl"


class Clock:
    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def client(clock, **kwargs) -> HttpClient:
    retry = RetryPolicy(max_attempts=6, sleep=clock.sleep, clock=clock, wall=lambda: 1_700_000_000.0,
                        random=lambda: 0.5)
    auth = ClientCredentials.openedx(BASE, "cid", SECRET, clock=clock)
    return HttpClient(BASE, auth=auth, retry=retry, **kwargs)


def sent_anywhere(rsps, text: str) -> list[str]:
    """The URLs of every request whose headers or body hold ``text``."""
    found = []
    for call in rsps.calls:
        body = call.request.body or b""
        body = body.decode() if isinstance(body, bytes) else body
        if text in body or any(text in value for value in call.request.headers.values()):
            found.append(call.request.url)
    return found


# -- the token: fetched once per attempt cycle ------------------------------------------------------------------


def test_a_token_endpoint_that_is_down_costs_one_bounded_fetch_not_one_per_attempt(rsps, clock):
    token = rsps.post(f"{BASE}/oauth2/access_token", status=503, json={"detail": "down"})
    api = rsps.get(f"{BASE}/api/user/v1/me", json={"username": "svc"})
    with pytest.raises(RetriableError) as caught:
        client(clock).request("GET", "/api/user/v1/me")
    assert token.call_count == 6  # the token request's own attempts (max_attempts), not 6 × 6 = 36
    assert api.call_count == 0
    assert caught.value.where.get("url", "").endswith("/oauth2/access_token") or caught.value.status == 503


def test_a_token_that_comes_back_is_used_by_the_request_retries(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600, "token_type": "JWT"})
    flaky = rsps.get(f"{BASE}/api/x", status=503)
    http = client(clock)
    with pytest.raises(RetriableError):
        http.request("GET", "/api/x")
    assert flaky.call_count == 6 and http.auth.fetches == 1  # one token for all six attempts


# -- redirects -----------------------------------------------------------------------------------------------------


def test_a_307_of_the_token_request_to_another_host_does_not_carry_the_client_secret(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", status=307, headers={"Location": f"{OTHER}/oauth2/access_token"})
    stolen = rsps.post(f"{OTHER}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600})
    with pytest.raises(FatalError) as caught:
        client(clock).request("GET", "/api/x")
    assert caught.value.code == "cross_origin_redirect" and caught.value.status == 307
    assert stolen.call_count == 0 and sent_anywhere(rsps, SECRET) == [f"{BASE}/oauth2/access_token"]
    assert OTHER in caught.value.message and SECRET not in caught.value.message


def test_a_307_of_an_api_request_to_another_host_does_not_carry_the_token(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600, "token_type": "JWT"})
    rsps.post(f"{BASE}/api/grades", status=307, headers={"Location": f"{OTHER}/collect"})
    stolen = rsps.post(f"{OTHER}/collect", json={})
    with pytest.raises(FatalError) as caught:
        client(clock).request("POST", "/api/grades", json=[{"grade": 90}])
    assert caught.value.code == "cross_origin_redirect"
    assert stolen.call_count == 0 and sent_anywhere(rsps, TOKEN) == [f"{BASE}/api/grades"]


def test_a_redirect_on_the_same_host_is_followed_with_the_token_and_the_body(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600, "token_type": "JWT"})
    rsps.post(f"{BASE}/api/bulk", status=307, headers={"Location": "/api/bulk/v2"})
    moved = rsps.post(f"{BASE}/api/bulk/v2", json={"ok": True})
    assert client(clock).request("POST", "/api/bulk", json={"a": 1}).json() == {"ok": True}
    assert moved.call_count == 1
    assert moved.calls[0].request.headers["Authorization"] == f"JWT {TOKEN}"
    assert moved.calls[0].request.body in (b'{"a": 1}', '{"a": 1}')


def test_a_downgrade_to_http_on_the_same_host_is_another_origin(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", status=308, headers={"Location": "http://lms.example.edu/oauth2/x"})
    plain = rsps.post("http://lms.example.edu/oauth2/x", json={})
    with pytest.raises(FatalError, match="another host"):
        client(clock).request("GET", "/api/x")
    assert plain.call_count == 0


def test_a_request_without_credentials_or_body_may_follow_to_another_host(rsps, clock):
    rsps.get(f"{BASE}/public/file", status=302, headers={"Location": f"{OTHER}/cdn/file"})
    cdn = rsps.get(f"{OTHER}/cdn/file", json={"ok": 1})
    assert client(clock).request("GET", "/public/file", authenticate=False).json() == {"ok": 1}
    assert cdn.call_count == 1 and "Authorization" not in cdn.calls[0].request.headers


def test_the_token_form_still_carries_the_secret_to_its_own_origin(rsps, clock):
    token = rsps.post(f"{BASE}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600})
    rsps.get(f"{BASE}/api/x", json={})
    client(clock).request("GET", "/api/x")
    assert parse_qs(token.calls[0].request.body)["client_secret"] == [SECRET]


# -- per-path limits ---------------------------------------------------------------------------------------------


def test_a_path_limit_spaces_only_the_requests_under_its_prefix(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600})
    rsps.get(f"{BASE}/api/enrollment/v1/enrollments", json={})
    rsps.get(f"{BASE}/api/grades/v1/x", json={})
    slow = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    http = client(clock, path_limits={"/api/enrollment/": slow})
    for _ in range(3):
        http.request("GET", "/api/grades/v1/x")
    assert clock.sleeps == []
    for _ in range(3):
        http.request("GET", "/api/enrollment/v1/enrollments")
    assert len(clock.sleeps) == 2 and all(s == pytest.approx(0.51) for s in clock.sleeps)  # 120/min, 2% margin
