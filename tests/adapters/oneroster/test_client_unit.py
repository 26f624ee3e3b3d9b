"""Unit tests of the OneRoster client pieces with `responses`: filters, query encoding, paging, imsx errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import responses

from adapters.errors import AdapterError, DataError, FatalError
from adapters.oneroster.delta import DeltaWindow
from adapters.oneroster.filters import Clause, build_filter, format_datetime
from adapters.oneroster.models import DETAIL_LIMIT, minor_codes
from adapters.oneroster.rest import OneRosterClient
from adapters.oneroster.settings import OneRosterSettings

SERVER = "https://sis.example.edu"
ROOT = SERVER + "/ims/oneroster/rostering/v1p2"


def _settings(**extra):
    return OneRosterSettings.from_spec(ROOT, {"client_id": "id", "client_secret": "secret-value", "page_size": "2",
                                              "max_attempts": "1", **extra}, env={})


def _token(rsps):
    rsps.add(responses.POST, SERVER + "/oauth/token", json={"access_token": "tok-123456", "expires_in": 3600})


def imsx(minor):
    return {"imsx_codeMajor": "failure", "imsx_severity": "error",
            "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                        "imsx_codeMinorFieldValue": minor}]}}


def test_filters_send_a_quote_as_it_is_and_join_at_most_two_clauses():
    since = datetime(2025, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    text = build_filter(Clause("familyName", "=", "O'Brien"), "AND", Clause("dateLastModified", ">",
                                                                            format_datetime(since)))
    assert text == "familyName='O'Brien' AND dateLastModified>'2025-05-01T00:00:00.000Z'"
    for bad in (Clause("a b", "=", "x"), Clause("name", "==", "x"), Clause("name", "=", "a\nb"),
                Clause("name", "=", "x' OR sourcedId!='"), Clause("title", "=", "Rock AND Roll")):
        with pytest.raises(DataError):
            build_filter(bad)
    with pytest.raises(DataError):
        build_filter(Clause("a", "=", "1"), "XOR", Clause("b", "=", "2"))


def test_settings_from_spec_find_version_and_server():
    s11 = OneRosterSettings.from_spec("https://sis.example.edu/ims/oneroster/v1p1", {}, env={})
    assert (s11.version, s11.server, s11.base("gradebook")) == ("1.1", SERVER, SERVER + "/ims/oneroster/v1p1")
    s12 = OneRosterSettings.from_spec(SERVER + "/ims/oneroster/gradebook/v1p2/", {}, env={})
    assert (s12.version, s12.base("rostering")) == ("1.2", ROOT)
    assert s12.scope_uris()[0] == "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
    assert OneRosterSettings.from_spec(SERVER, {"version": "1.1"}, env={}).version == "1.1"
    with pytest.raises(FatalError) as info:
        OneRosterSettings.from_spec(SERVER + "/ims/oneroster/v1p1", {"version": "1.2"}, env={})
    assert info.value.code == "bad_spec"
    env = {"MOOC_BRIDGE_ONEROSTER_CLIENT_ID": "cid", "MOOC_BRIDGE_ONEROSTER_CLIENT_SECRET": "csecret"}
    assert OneRosterSettings.from_spec(SERVER, {}, env=env).client_id == "cid"


@responses.activate
def test_query_is_percent_encoded_with_scopes_and_bearer_token():
    _token(responses)
    responses.add(responses.GET, ROOT + "/users", json={"users": []}, headers={"X-Total-Count": "0"})
    client = OneRosterClient(_settings())
    list(client.pages("rostering", "users", "users", filter="familyName='Li Ming'", sort="sourcedId"))
    token_call, call = responses.calls
    scope = "scope=https%3A%2F%2Fpurl.imsglobal.org%2Fspec%2For%2Fv1p2%2Fscope%2Froster.readonly"
    assert scope in token_call.request.body
    assert call.request.headers["Authorization"] == "Bearer tok-123456"
    assert call.request.headers["Accept"] == "application/json"
    assert "filter=familyName%3D%27Li%20Ming%27" in call.request.url and "+" not in call.request.url
    assert "limit=2" in call.request.url and "offset=0" in call.request.url


@responses.activate
def test_link_header_paging_and_total_mismatch():
    _token(responses)
    responses.add(responses.GET, ROOT + "/users", json={"users": [{"sourcedId": "a"}, {"sourcedId": "b"}]},
                  headers={"X-Total-Count": "5", "Link": f'<{ROOT}/users?limit=2&offset=2>; rel="next"'})
    responses.add(responses.GET, ROOT + "/users", json={"users": [{"sourcedId": "c"}, {"sourcedId": "d"}]},
                  headers={"X-Total-Count": "5", "Link": f'<{ROOT}/users?limit=2&offset=0>; rel="first"'})
    client = OneRosterClient(_settings())
    with pytest.raises(DataError) as info:
        list(client.pages("rostering", "users", "users"))
    assert info.value.code == "pagination_incomplete" and info.value.where["seen"] == 4


@responses.activate
def test_offset_paging_without_link_headers():
    _token(responses)
    for start in (0, 2, 4):
        rows = [{"sourcedId": str(i)} for i in range(start, min(start + 2, 5))]
        responses.add(responses.GET, ROOT + "/users", json={"users": rows}, headers={"X-Total-Count": "5"})
    client = OneRosterClient(_settings())
    seen = [r["sourcedId"] for page in client.pages("rostering", "users", "users") for r in page.items]
    assert seen == ["0", "1", "2", "3", "4"]
    assert "offset=4" in responses.calls[-1].request.url


@responses.activate
def test_a_provider_that_ignores_offset_is_ambiguous_not_complete():
    _token(responses)
    rows = [{"sourcedId": "a"}, {"sourcedId": "b"}]  # limit=5 asked, 2 served, no headers: maybe capped
    responses.add(responses.GET, ROOT + "/users", json={"users": rows})
    client = OneRosterClient(_settings(page_size="5"))
    with pytest.raises(DataError) as info:
        list(client.pages("rostering", "users", "users", filter="status='active'"))
    assert info.value.code == "pagination_ambiguous"
    assert info.value.where == {"server": SERVER, "endpoint": "users (status='active')", "seen": 2, "limit": 5,
                                "offset": 2}
    assert "offset" in info.value.message and SERVER in info.value.message
    probe = responses.calls[-1].request.url
    assert probe.count("offset=") == 1 and "offset=2" in probe and "filter=status%3D%27active%27" in probe


@responses.activate
@pytest.mark.parametrize(("status", "minor", "code", "retriable"), [
    (400, "invalid_filter_field", "invalid_filter_field", False),
    (400, "invalid_selection_field", "invalid_selection_field", False),
    (403, "forbidden", "forbidden", False),
    (429, "server_busy", "server_busy", True),
    (500, "internal_server_error", "server_error", True),
])
def test_imsx_errors_map_onto_typed_errors(status, minor, code, retriable):
    _token(responses)
    responses.add(responses.GET, ROOT + "/users", json=imsx(minor), status=status)
    client = OneRosterClient(_settings())
    with pytest.raises(AdapterError) as info:
        list(client.pages("rostering", "users", "users", filter="x='1'"))
    assert info.value.code == code and info.value.retriable is retriable
    assert minor in info.value.where["imsx"]


@responses.activate
def test_provider_error_details_reach_the_message_bounded_and_sanitised():
    _token(responses)
    said = "assignDate: must match format \"date-time\"\x1b[31m\u202e" + "x" * 1000
    responses.add(responses.GET, ROOT + "/users", status=422, json={**imsx("invaliddata"), "imsx_description": said})
    client = OneRosterClient(_settings())
    with pytest.raises(AdapterError) as info:
        list(client.pages("rostering", "users", "users"))
    message = info.value.message
    assert 'failure/error: assignDate: must match format "date-time"' in message
    assert "\x1b" not in message and "\u202e" not in message
    assert message.count("x") <= DETAIL_LIMIT and message.endswith("…")
    assert info.value.where["provider_said"].startswith("failure/error: assignDate")


@responses.activate
def test_unknownobject_reads_as_absent():
    _token(responses)
    responses.add(responses.GET, ROOT + "/users/u9", json=imsx("unknownobject"), status=404)
    assert OneRosterClient(_settings()).get("rostering", "users/u9", "user") is None


def test_minor_codes_accepts_the_shapes_providers_send():
    assert minor_codes(json.dumps(imsx("server_busy"))) == ["server_busy"]
    assert minor_codes({"imsx_StatusInfo": imsx("unknownobject")}) == ["unknownobject"]
    assert minor_codes({"statusInfoSet": [imsx("invaliddata")]}) == ["invaliddata"]
    assert minor_codes("not json") == [] and minor_codes(None) == []


def test_delta_window_bookmark_is_start_minus_margin_and_never_goes_back():
    since = datetime(2025, 5, 1, tzinfo=UTC)
    window = DeltaWindow.for_scope(since, False, full=False, margin=300)
    assert window.clause().render() == "dateLastModified>'2025-05-01T00:00:00.000Z'"
    window.observe({"Date": "Thu, 01 May 2025 10:00:00 GMT"})
    window.observe({"Date": "Thu, 01 May 2025 11:00:00 GMT"})
    assert window.bookmark() == datetime(2025, 5, 1, 9, 55, tzinfo=UTC)
    late = DeltaWindow.for_scope(since, False, full=False, margin=300)
    late.observe({"Date": "Thu, 01 May 2025 00:01:00 GMT"})
    assert late.bookmark() == since
    full = DeltaWindow.for_scope(since, True, full=False, margin=300)
    assert full.full and full.clause() is None
