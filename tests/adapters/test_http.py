"""adapters.http: retry policy, status table, auth, redaction, paginators, rate limiter, sessions."""

from __future__ import annotations

import threading
from email.utils import formatdate

import pytest
import requests
import responses
import urllib3
from responses import matchers

from adapters.errors import DataError, FatalError, RetriableError
from adapters.http import (
    ClientCredentials,
    HttpClient,
    HttpRetriableError,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    RateLimiter,
    RetryPolicy,
    classify,
    paginate,
    parse_retry_after,
    redact,
    redact_url,
)

BASE = "https://lms.example.edu"
SECRET = "s3cr3t-client-secret-value"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlIn0.c2lnbmF0dXJlLXZhbHVl"


class FakeClock:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_client(clock, *, auth=None, **policy) -> HttpClient:
    policy.setdefault("random", lambda: 0.5)
    retry = RetryPolicy(sleep=clock.sleep, clock=clock, wall=lambda: 1_700_000_000.0, **policy)
    return HttpClient(BASE, auth=auth, retry=retry)


def token_endpoint(rsps, token=TOKEN, expires_in=3600, status=200):
    return rsps.post(f"{BASE}/oauth2/access_token", status=status,
                     json={"access_token": token, "expires_in": expires_in, "token_type": "JWT"})


# -- status table -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "body", "kind", "code"), [
    (200, "", "ok", "ok"),
    (401, "", "refresh_auth", "unauthorized"),
    (403, "You do not have permission", "fatal", "forbidden"),
    (403, "403 Forbidden (Rate Limit Exceeded)", "retry", "throttled"),
    (404, "", "fatal", "not_found"),
    (409, "", "fatal", "conflict"),
    (422, "", "fatal", "validation"),
    (429, "", "retry", "throttled"),
    (500, "", "retry", "server_error"),
    (502, "", "retry", "server_error"),
    (503, "", "retry", "server_error"),
    (504, "", "retry", "server_error"),
    (418, "", "fatal", "http_error"),
    (501, "", "fatal", "server_error"),
])
def test_status_table(status, body, kind, code):
    action = classify(status, body)
    assert (action.kind, action.code) == (kind, code)


def test_retry_after_parses_seconds_and_http_dates():
    now = 1_700_000_000.0
    assert parse_retry_after("12", now) == 12.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(("status", "code"), [(400, "bad_request"), (403, "forbidden"), (404, "not_found"),
                                              (409, "conflict"), (422, "validation")])
def test_fatal_4xx_raise_typed_errors_once(rsps, clock, status, code):
    call = rsps.get(f"{BASE}/api/x", status=status, json={"detail": "nope"})
    client = make_client(clock)
    with pytest.raises(FatalError) as info:
        client.request("GET", "/api/x")
    err = info.value
    assert (err.code, err.status, call.call_count) == (code, status, 1)
    assert "nope" in err.body
    assert err.where["url"] == f"{BASE}/api/x" and err.where["method"] == "GET"
    assert not clock.sleeps


def test_ok_statuses_are_returned_not_raised(rsps, clock):
    rsps.post(f"{BASE}/api/bulk", status=422, json=[{"success": False}])
    response = make_client(clock).request("POST", "/api/bulk", json=[], ok_statuses=(422,))
    assert response.status_code == 422


# -- retries --------------------------------------------------------------------------------------------


def test_429_waits_what_retry_after_says(rsps, clock):
    rsps.get(f"{BASE}/api/x", status=429, headers={"Retry-After": "7"})
    rsps.get(f"{BASE}/api/x", json={"ok": True})
    client = make_client(clock)
    assert client.request("GET", "/api/x").json() == {"ok": True}
    assert clock.sleeps == [7.0]
    assert client.stats["retries"] == 1 and client.stats["requests"] == 2


def test_429_with_an_http_date(rsps, clock):
    rsps.get(f"{BASE}/api/x", status=429, headers={"Retry-After": formatdate(1_700_000_000 + 20, usegmt=True)})
    rsps.get(f"{BASE}/api/x", json={})
    make_client(clock).request("GET", "/api/x")
    assert clock.sleeps == [pytest.approx(20.0)]


def test_retry_after_above_the_cap_is_not_waited_here(rsps, clock):
    call = rsps.get(f"{BASE}/api/x", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(HttpRetriableError) as info:
        make_client(clock, retry_after_cap=60).request("GET", "/api/x")
    assert info.value.retry_after == 3600 and info.value.code == "throttled"
    assert call.call_count == 1 and not clock.sleeps


def test_a_burst_of_5xx_then_success_backs_off_exponentially(rsps, clock):
    for status in (500, 502, 503, 504):
        rsps.get(f"{BASE}/api/x", status=status)
    rsps.get(f"{BASE}/api/x", json=[1])
    client = make_client(clock, backoff_base=1.0, backoff_max=30.0)
    assert client.request("GET", "/api/x").json() == [1]
    # equal jitter with random() = 0.5: 3/4 of 1, 2, 4, 8
    assert clock.sleeps == [0.75, 1.5, 3.0, 6.0]


def test_attempts_are_bounded(rsps, clock):
    call = rsps.get(f"{BASE}/api/x", status=503, body="down")
    with pytest.raises(RetriableError) as info:
        make_client(clock, max_attempts=3).request("GET", "/api/x")
    assert call.call_count == 3 and info.value.status == 503 and len(clock.sleeps) == 2


def test_total_waiting_is_bounded(rsps, clock):
    call = rsps.get(f"{BASE}/api/x", status=429, headers={"Retry-After": "50"})
    with pytest.raises(RetriableError):
        make_client(clock, max_attempts=10, max_wait=120).request("GET", "/api/x")
    assert call.call_count == 3 and sum(clock.sleeps) <= 120


def test_deadline_bounds_the_whole_call(rsps, clock):
    call = rsps.get(f"{BASE}/api/x", status=503)
    with pytest.raises(RetriableError):
        make_client(clock, max_attempts=50, backoff_base=10, backoff_max=10, max_wait=10_000,
                    deadline=35).request("GET", "/api/x")
    assert call.call_count == 5 and sum(clock.sleeps) <= 35


def test_read_timeouts_are_retried_for_idempotent_requests(rsps, clock):
    rsps.get(f"{BASE}/api/x", body=requests.ReadTimeout("slow"))
    rsps.get(f"{BASE}/api/x", json={"ok": 1})
    assert make_client(clock).request("GET", "/api/x").json() == {"ok": 1}
    assert len(clock.sleeps) == 1


def test_a_post_is_not_resent_after_a_timeout_unless_marked_idempotent(rsps, clock):
    call = rsps.post(f"{BASE}/api/x", body=requests.ReadTimeout("slow"))
    client = make_client(clock)
    with pytest.raises(RetriableError) as info:
        client.request("POST", "/api/x", json={})
    assert info.value.code == "timeout" and call.call_count == 1
    rsps.replace(responses.POST, f"{BASE}/api/x", body=requests.ReadTimeout("slow"))
    with pytest.raises(RetriableError):
        client.request("POST", "/api/x", json={}, idempotent=True)
    assert rsps.calls[-1].request.url == f"{BASE}/api/x" and len(rsps.calls) == 1 + 6


def test_a_post_is_resent_after_429_and_refused_connections(rsps, clock):
    never = requests.ConnectionError(urllib3.exceptions.NewConnectionError(None, "refused"))
    rsps.post(f"{BASE}/api/x", status=429, headers={"Retry-After": "1"})
    rsps.post(f"{BASE}/api/x", body=never)
    rsps.post(f"{BASE}/api/x", status=201, json={"id": 1})
    assert make_client(clock).request("POST", "/api/x", json={}).status_code == 201
    assert len(clock.sleeps) == 2


def test_a_post_is_not_resent_after_a_500(rsps, clock):
    call = rsps.post(f"{BASE}/api/x", status=500)
    with pytest.raises(RetriableError):
        make_client(clock).request("POST", "/api/x", json={})
    assert call.call_count == 1


def test_transport_errors_never_escape_as_requests_exceptions(rsps, clock):
    rsps.get(f"{BASE}/api/tls", body=requests.exceptions.SSLError("bad cert"))
    with pytest.raises(FatalError) as info:
        make_client(clock).request("GET", "/api/tls")
    assert info.value.code == "tls_error"
    with pytest.raises(FatalError) as info:
        make_client(clock).request("GET", "http://")
    assert info.value.code in ("invalid_url", "http_error")


# -- tokens -----------------------------------------------------------------------------------------------


def test_openedx_token_is_fetched_once_and_sent_as_jwt(rsps, clock):
    token_call = rsps.post(f"{BASE}/oauth2/access_token", json={"access_token": TOKEN, "expires_in": 3600,
                                                                "token_type": "JWT"},
                           match=[matchers.urlencoded_params_matcher({
                               "grant_type": "client_credentials", "client_id": "cid", "client_secret": SECRET,
                               "token_type": "jwt"})])
    rsps.get(f"{BASE}/api/x", json={})
    client = make_client(clock, auth=ClientCredentials.openedx(BASE, "cid", SECRET, clock=clock))
    for _ in range(3):
        client.request("GET", "/api/x")
    assert token_call.call_count == 1
    assert rsps.calls[1].request.headers["Authorization"] == f"JWT {TOKEN}"


def test_token_is_renewed_before_it_expires(rsps, clock):
    token_endpoint(rsps, expires_in=600)
    rsps.get(f"{BASE}/api/x", json={})
    auth = ClientCredentials.openedx(BASE, "cid", SECRET, clock=clock, refresh_margin=60)
    client = make_client(clock, auth=auth)
    client.request("GET", "/api/x")
    clock.now += 500
    client.request("GET", "/api/x")
    assert auth.fetches == 1
    clock.now += 50  # 550 s: inside the 60 s margin
    client.request("GET", "/api/x")
    assert auth.fetches == 2


def test_a_401_refreshes_the_token_once(rsps, clock):
    token_endpoint(rsps)
    rsps.get(f"{BASE}/api/x", status=401)
    rsps.get(f"{BASE}/api/x", json={"ok": True})
    auth = ClientCredentials.openedx(BASE, "cid", SECRET, clock=clock)
    client = make_client(clock, auth=auth)
    assert client.request("GET", "/api/x").json() == {"ok": True}
    assert auth.fetches == 2 and client.stats["auth_refreshes"] == 1


def test_a_second_401_is_fatal(rsps, clock):
    token_endpoint(rsps)
    call = rsps.get(f"{BASE}/api/x", status=401, json={"detail": "no"})
    auth = ClientCredentials.openedx(BASE, "cid", SECRET, clock=clock)
    with pytest.raises(FatalError) as info:
        make_client(clock, auth=auth).request("GET", "/api/x")
    assert info.value.code == "unauthorized" and call.call_count == 2 and auth.fetches == 2


def test_refused_client_credentials_and_missing_ones(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", status=401,
              json={"error": "invalid_client", "echo": f"client_secret={SECRET}"})
    client = make_client(clock, auth=ClientCredentials.openedx(BASE, "cid", SECRET))
    with pytest.raises(FatalError) as info:
        client.request("GET", "/api/x")
    assert info.value.code == "bad_credentials"
    assert SECRET not in str(info.value.to_dict()) and SECRET not in (info.value.body or "")
    with pytest.raises(FatalError) as info:
        make_client(clock, auth=ClientCredentials.openedx(BASE, "cid", "")).request("GET", "/api/x")
    assert info.value.code == "missing_credentials"


def test_a_token_response_without_a_token_is_a_data_error(rsps, clock):
    rsps.post(f"{BASE}/oauth2/access_token", json={"error": "none"})
    with pytest.raises(DataError) as info:
        make_client(clock, auth=ClientCredentials.openedx(BASE, "cid", SECRET)).request("GET", "/api/x")
    assert info.value.code == "bad_token_response"


def test_bearer_tokens_with_scopes(rsps, clock):
    rsps.post("https://auth.example.org/token", json={"access_token": "abcdefghijkl", "expires_in": 60},
              match=[matchers.urlencoded_params_matcher({"grant_type": "client_credentials",
                                                         "scope": "roster.readonly gradebook.readonly"})])
    rsps.get(f"{BASE}/api/x", json={})
    auth = ClientCredentials("https://auth.example.org/token", "cid", SECRET, basic_auth=True,
                             scopes=["roster.readonly", "gradebook.readonly"])
    make_client(clock, auth=auth).request("GET", "/api/x")
    assert rsps.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer abcdefghijkl"


def test_credentials_are_not_sent_to_another_origin(rsps, clock):
    token_endpoint(rsps)
    rsps.get("https://cdn.example.com/file", json={})
    make_client(clock, auth=ClientCredentials.openedx(BASE, "cid", SECRET)).request(
        "GET", "https://cdn.example.com/file")
    assert all("Authorization" not in c.request.headers for c in rsps.calls)


# -- redaction --------------------------------------------------------------------------------------------


def test_redact_masks_every_shape_of_secret():
    text = (f'Authorization: JWT {TOKEN} {{"access_token": "{TOKEN}", "client_secret": "{SECRET}"}} '
            f"client_secret={SECRET}&x=1 Bearer abcdefghijklmnop")
    out = redact(text)
    assert TOKEN not in out and SECRET not in out and "abcdefghijklmnop" not in out
    assert "x=1" in out
    assert redact_url("https://u:p@h.example/a?token=abc&page=2") == "https://h.example/a?token=***&page=2"


def test_error_bodies_and_messages_never_carry_secrets(rsps, clock):
    token_endpoint(rsps)
    rsps.get(f"{BASE}/api/x", status=400, json={"detail": f"bad header Authorization: JWT {TOKEN}",
                                                 "client_secret": SECRET})
    client = make_client(clock, auth=ClientCredentials.openedx(BASE, "cid", SECRET))
    with pytest.raises(FatalError) as info:
        client.request("GET", "/api/x", params={"access_token": "leaky-token-123"})
    dumped = f"{info.value} {info.value.body} {info.value.to_dict()}"
    assert TOKEN not in dumped and SECRET not in dumped and "leaky-token-123" not in dumped


# -- paginators ---------------------------------------------------------------------------------------------


def _items(client, request, paginator, **kw):
    return [item for page in paginate(client, request, paginator, **kw) for item in page.items]


def test_next_url_page_number_shape(rsps, clock):
    rsps.get(f"{BASE}/api/e", match=[matchers.query_param_matcher({"course_id": "c"})],
             json={"count": 3, "num_pages": 2, "current_page": 1, "next": f"{BASE}/api/e?course_id=c&page=2",
                   "results": [1, 2]})
    rsps.get(f"{BASE}/api/e", match=[matchers.query_param_matcher({"course_id": "c", "page": "2"})],
             json={"count": 3, "num_pages": 2, "current_page": 2, "next": None, "results": [3]})
    assert _items(make_client(clock), PageRequest("/api/e", {"course_id": "c"}), NextUrlPaginator()) == [1, 2, 3]


def test_next_url_cursor_shape_relative_and_foreign_host(rsps, clock):
    rsps.get(f"{BASE}/api/e", match=[matchers.query_param_matcher({})],
             json={"next": "/api/e?cursor=abc", "previous": None, "results": ["a"]})
    rsps.get(f"{BASE}/api/e", match=[matchers.query_param_matcher({"cursor": "abc"})],
             json={"next": "http://lms-internal:8000/api/e?cursor=def", "results": ["b"]})
    rsps.get(f"{BASE}/api/e", match=[matchers.query_param_matcher({"cursor": "def"})],
             json={"next": None, "results": ["c"]})
    assert _items(make_client(clock), PageRequest("/api/e"), NextUrlPaginator()) == ["a", "b", "c"]


def test_next_url_loop_is_refused(rsps, clock):
    rsps.get(f"{BASE}/api/e", json={"next": f"{BASE}/api/e", "results": [1]})
    with pytest.raises(DataError) as info:
        _items(make_client(clock), PageRequest("/api/e"), NextUrlPaginator())
    assert info.value.code == "pagination_loop"


def test_a_page_without_a_list_is_a_data_error(rsps, clock):
    rsps.get(f"{BASE}/api/e", json={"next": None, "results": "oops"})
    with pytest.raises(DataError) as info:
        _items(make_client(clock), PageRequest("/api/e"), NextUrlPaginator())
    assert info.value.code == "bad_page"
    rsps.replace(responses.GET, f"{BASE}/api/e", body="<html>", content_type="text/html")
    with pytest.raises(DataError) as info:
        _items(make_client(clock), PageRequest("/api/e"), NextUrlPaginator())
    assert info.value.code == "bad_json"


def test_page_numbers_stop_on_a_short_page_or_404(rsps, clock):
    rsps.get(f"{BASE}/api/p", match=[matchers.query_param_matcher({"page": "1", "page_size": "2"})], json=[1, 2])
    rsps.get(f"{BASE}/api/p", match=[matchers.query_param_matcher({"page": "2", "page_size": "2"})], json=[3, 4])
    rsps.get(f"{BASE}/api/p", match=[matchers.query_param_matcher({"page": "3", "page_size": "2"})], status=404)
    assert _items(make_client(clock), PageRequest("/api/p"), PageNumberPaginator(page_size=2)) == [1, 2, 3, 4]


def test_link_header_and_total_count(rsps, clock):
    rsps.get(f"{BASE}/api/l", match=[matchers.query_param_matcher({})], json={"users": [1, 2]},
             headers={"Link": f'<{BASE}/api/l?offset=2>; rel="next"', "X-Total-Count": "3"})
    rsps.get(f"{BASE}/api/l", match=[matchers.query_param_matcher({"offset": "2"})], json={"users": [3]},
             headers={"X-Total-Count": "3"})
    assert _items(make_client(clock), PageRequest("/api/l"), LinkHeaderPaginator(), items="users") == [1, 2, 3]


def test_link_header_missing_before_the_total_is_an_error(rsps, clock):
    rsps.get(f"{BASE}/api/l", json={"users": [1, 2]}, headers={"X-Total-Count": "5"})
    with pytest.raises(DataError) as info:
        _items(make_client(clock), PageRequest("/api/l"), LinkHeaderPaginator(), items="users")
    assert info.value.code == "pagination_incomplete" and info.value.where["total"] == 5


def test_offsets_follow_what_the_server_sent(rsps, clock):
    # the server caps limit at 2 although 3 were asked
    for offset, items in ((0, [1, 2]), (2, [3, 4]), (4, [5])):
        rsps.get(f"{BASE}/api/o", match=[matchers.query_param_matcher({"limit": "3", "offset": str(offset)})],
                 json={"results": items}, headers={"X-Total-Count": "5"})
    assert _items(make_client(clock), PageRequest("/api/o"), OffsetPaginator(limit=3)) == [1, 2, 3, 4, 5]


def test_offsets_stopping_short_of_the_total_is_an_error(rsps, clock):
    rsps.get(f"{BASE}/api/o", match=[matchers.query_param_matcher({"limit": "2", "offset": "0"})],
             json={"results": [1, 2]}, headers={"X-Total-Count": "4"})
    rsps.get(f"{BASE}/api/o", match=[matchers.query_param_matcher({"limit": "2", "offset": "2"})],
             json={"results": []}, headers={"X-Total-Count": "4"})
    with pytest.raises(DataError) as info:
        _items(make_client(clock), PageRequest("/api/o"), OffsetPaginator(limit=2))
    assert info.value.code == "pagination_incomplete"


def test_offsets_without_a_total_stop_on_a_short_page(rsps, clock):
    rsps.get(f"{BASE}/api/o", match=[matchers.query_param_matcher({"limit": "2", "offset": "0"})],
             json={"results": [1, 2]})
    rsps.get(f"{BASE}/api/o", match=[matchers.query_param_matcher({"limit": "2", "offset": "2"})],
             json={"results": [3]})
    assert _items(make_client(clock), PageRequest("/api/o"), OffsetPaginator(limit=2, total_header=None)) == [1, 2, 3]


def test_max_pages_guard(rsps, clock):
    for n in range(1, 5):
        rsps.get(f"{BASE}/api/e", match=[matchers.query_param_matcher({"page": str(n)} if n > 1 else {})],
                 json={"next": f"{BASE}/api/e?page={n + 1}", "results": [n]})
    with pytest.raises(DataError) as info:
        _items(make_client(clock), PageRequest("/api/e"), NextUrlPaginator(max_pages=3))
    assert info.value.code == "too_many_pages"


# -- rate limiter ------------------------------------------------------------------------------------------


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while round(t - times[j], 9) >= window:  # half-open window (t - 1 s, t]
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.mark.parametrize(("rate", "burst"), [(10, 1), (7, 1), (10, 3)])
def test_rate_is_never_exceeded_under_threads(rate, burst):
    clock = FakeClock(0.0)
    limiter = RateLimiter(rate, burst, clock=clock, sleep=lambda s: None)  # the clock never moves: worst case
    granted: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(40):
            at = limiter.acquire()
            with lock:
                granted.append(at)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 320
    assert _max_in_window(granted) <= rate + burst - 1
    assert max(granted) == pytest.approx((320 - burst) * 1.02 / rate)  # spaced by 1/rate plus the 2% margin


def test_rate_limiter_sleeps_until_the_slot(clock):
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep, margin=0)
    for _ in range(3):
        limiter.acquire()
    assert clock.sleeps == [0.5, 0.5]


def test_rate_limiter_keeps_a_margin_for_the_servers_clock(clock):
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    for _ in range(21):
        limiter.acquire()
    assert sum(clock.sleeps) == pytest.approx(20 * 1.02 / 20)  # 21 requests need more than a second


def test_client_takes_a_slot_per_attempt(rsps, clock):
    rsps.get(f"{BASE}/api/x", status=503)
    rsps.get(f"{BASE}/api/x", json={})
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    client = make_client(clock)
    client.rate_limiter = limiter
    client.request("GET", "/api/x")
    client.request("GET", "/api/x")
    assert limiter.reserve() >= 1000.0 + 3  # three attempts went before this one


# -- sessions ------------------------------------------------------------------------------------------------


def test_one_session_per_thread_with_user_agent_and_default_timeouts(rsps, clock, monkeypatch):
    rsps.get(f"{BASE}/api/x", json={})
    client = make_client(clock)
    seen = {}
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen["timeout"] = kwargs.get("timeout")
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    client.request("GET", "/api/x")
    assert seen["timeout"] == (5.0, 30.0)
    assert rsps.calls[0].request.headers["User-Agent"].startswith("mooc-bridge/")
    sessions = []
    thread = threading.Thread(target=lambda: sessions.append(client.session))
    thread.start()
    thread.join()
    assert client.session is client.session and sessions[0] is not client.session
    client.close()
    assert client._sessions == []
