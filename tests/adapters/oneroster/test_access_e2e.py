"""Scopes, client authentication, OAuth 1.0a and optional paths against the fake provider (issue #12, items 4-6).

The fake's behaviours and their sources are in :mod:`tests.fakes.oneroster_auth` (strict scopes as
Masterjx9/oneroster, body-only client auth answering 422, RFC 5849 signatures) and
:mod:`tests.fakes.oneroster_server` (paths Ed-Fi's OneRoster API does not route)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.base import Change, ReadScope
from adapters.errors import FatalError
from adapters.records import Person, Score
from tests.fakes.oneroster_auth import SCOPE
from tests.fakes.oneroster_server import FakeOneRoster

from .conftest import make_adapter, seed

READ = ("roster-core.readonly", "roster.readonly", "gradebook.readonly")


@pytest.fixture(params=["1.1", "1.2"])
def strict(request):
    """A provider that gives this client read scopes only and refuses a token request naming any other."""
    with FakeOneRoster(request.param, scopes=READ) as fake:
        seed(fake)
        fake.strict_scopes = True
        yield fake


def _asked(sis: FakeOneRoster) -> list[set[str]]:
    return [{s.removeprefix(SCOPE[sis.version]) for s in form.get("scope", "").split()} for form, _h in sis.token_forms]


def _score(student: str) -> Change:
    score = Score(person=Person(external_ids={"oneroster": student}), course_id="c1", line_item_id="li1", value=9,
                  max_score=10, scale="points", status="graded", timestamp=datetime(2025, 12, 1, tzinfo=UTC))
    return Change(key=student, stream="scores", action="create", record=score)


def test_a_read_only_run_asks_read_scopes_only_and_a_strict_server_serves_it(strict):
    with make_adapter(strict) as adapter:
        people = list(adapter.read("persons"))
        items = list(adapter.read("line_items"))
    assert len(people) == 8 and [i.line_item_id for i in items] == ["li1"]
    asked = set().union(*_asked(strict))
    assert asked and not {s for s in asked if "create" in s or "delete" in s}
    roster = {"roster-core.readonly", "roster.readonly"} if strict.version == "1.1" else {"roster.readonly"}
    assert _asked(strict)[0] == roster  # the gradebook scope joins only when the gradebook is read
    assert _asked(strict)[-1] == roster | {"gradebook.readonly"}


def test_a_write_the_client_may_not_do_is_invalid_scope_naming_it(strict):
    with make_adapter(strict) as adapter:
        [result] = adapter.write("scores", [_score("u1")])
    assert result.status == "failed" and result.error["code"] == "invalid_scope"
    assert "gradebook.createput" in result.error["message"] or "gradebook.createpost" in result.error["message"]
    assert "scopes=" in result.error["message"] and "Open edX" not in result.error["message"]
    assert strict.tables["results"].all() == []


def test_a_scope_the_token_lacks_is_a_403_naming_the_scope_needed():
    with FakeOneRoster("1.1") as sis, make_adapter(sis, scopes="gradebook.readonly") as adapter:
        seed(sis)
        with pytest.raises(FatalError) as info:
            list(adapter.read("courses"))
    assert info.value.code == "forbidden" and info.value.status == 403
    assert SCOPE["1.1"] + "roster-core.readonly" in info.value.where["needed_scopes"]
    assert info.value.where["granted_scopes"] == SCOPE["1.1"] + "gradebook.readonly"
    assert "staff rights" not in info.value.message


def test_body_only_client_auth_falls_back_once_and_is_remembered():
    with FakeOneRoster("1.2") as sis, make_adapter(sis) as adapter:
        seed(sis)
        sis.client_auth = "post"
        assert len(list(adapter.read("persons"))) == 8
        sis.expire_tokens()
        assert len(list(adapter.read("courses"))) == 1
    statuses = [s for m, p, s in sis.requests if p == "/oauth/token"]
    assert statuses[:2] == [422, 200] and 422 not in statuses[2:]
    assert sis.token_forms[0][1].startswith("Basic ") and "client_secret" not in sis.token_forms[0][0]
    assert all(form["client_secret"] == sis.client_secret and header is None for form, header in sis.token_forms[1:])


def test_client_auth_can_be_fixed_and_a_refusal_says_how_it_was_sent():
    with FakeOneRoster("1.2") as sis, make_adapter(sis, client_auth="post") as adapter:
        seed(sis)
        sis.client_auth = "basic"
        with pytest.raises(FatalError) as info:
            adapter.check_connection()
    assert info.value.code == "invalid_client" and "sent as client_secret_post" in info.value.message
    assert len(sis.token_forms) == 1


@pytest.mark.parametrize("method", ["HMAC-SHA256", "HMAC-SHA1"])
def test_oauth1_signed_requests_read_and_write_without_a_token(method):
    with FakeOneRoster("1.1") as sis, make_adapter(sis, auth="oauth1", signature_method=method) as adapter:
        seed(sis)
        sis.oauth1, sis.oauth1_methods = True, (method,)
        people = list(adapter.read("persons", ReadScope(course_id="c1")))
        [result] = adapter.write("scores", [_score("u2")])
    assert len(people) == 8 and result.status == "applied"
    assert sis.token_forms == [] and {s for _m, _p, s in sis.requests} <= {200, 201}


def test_an_oauth1_method_the_provider_does_not_check_is_explained():
    with FakeOneRoster("1.1") as sis, make_adapter(sis, auth="oauth1") as adapter:
        seed(sis)
        sis.oauth1, sis.oauth1_methods = True, ("HMAC-SHA1",)  # as Masterjx9/oneroster
        with pytest.raises(FatalError) as info:
            list(adapter.read("courses"))
    assert info.value.code == "unauthorisedrequest" and info.value.status == 401
    assert "signature_method=HMAC-SHA1" in info.value.message and "OAuth 1.0a" in info.value.message


def test_a_missing_class_path_falls_back_to_enrollments_once_per_run():
    with FakeOneRoster("1.1") as sis, make_adapter(sis) as adapter:
        seed(sis)
        sis.add_class("c2", "Empty")
        sis.missing_paths = {"classes/{id}/students", "classes/{id}/teachers"}
        people = list(adapter.read("persons", ReadScope(course_id="c1")))
        assert list(adapter.read("persons", ReadScope(course_id="c2"))) == []
        enrollments = list(adapter.read("enrollments", ReadScope(course_id="c1")))
    assert {p.external_ids["oneroster"] for p in people} == {f"u{i}" for i in range(7)} | {"t1"}
    assert len(enrollments) == 8 and all(e.person.student_number for e in enrollments)
    assert [s for _m, p, s in sis.requests if "/students" in p] == [404]
    assert adapter.reader.routes == {"class_people": "enrollments"}


def test_a_refused_class_filter_reads_all_enrollments_and_keeps_the_class():
    with FakeOneRoster("1.2") as sis, make_adapter(sis) as adapter:
        seed(sis)
        sis.add_class("c2", "Other")
        sis.add_user("x1", identifier="X1")
        sis.add_enrollment("ex1", "x1", "c2")
        sis.refused_filters = {"class.sourcedId"}
        enrollments = list(adapter.read("enrollments", ReadScope(course_id="c1")))
    assert len(enrollments) == 8 and "x1" not in {e.person.external_ids["oneroster"] for e in enrollments}
    assert adapter.reader.routes == {"class_enrollments": "all"}
