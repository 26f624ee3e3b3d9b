"""End to end against the fake OneRoster provider on 127.0.0.1 (both versions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.base import Change, ReadScope
from adapters.errors import DataError, FatalError, RetriableError
from adapters.records import LineItem, Person, Score

from .conftest import make_adapter


def test_full_pull_reads_every_stream_across_pages(sis, adapter):
    people = list(adapter.read("persons"))
    assert sorted(p.student_number for p in people) == sorted([f"2025{i:03d}" for i in range(7)] + ["T001"])
    assert {p.name for p in people} >= {"张0三", "Ada Lovelace"}
    enrollments = list(adapter.read("enrollments"))
    assert len(enrollments) == 8
    teacher = next(e for e in enrollments if e.role == "teacher")
    assert teacher.person.student_number == "T001" and teacher.person.external_ids == {"oneroster": "t1"}
    assert adapter.last_read_full is True and adapter.bookmark is not None
    assert [c.course_id for c in adapter.read("courses")] == ["c1"]
    items = list(adapter.read("line_items"))
    assert items[0].max_score == 50 and items[0].course_id == "c1"
    # Paged: 9 users with limit 3 → 3 pages, the paths of the spec for the version.
    root = sis.root("rostering").removeprefix(sis.url)
    assert sum(1 for m, p, s in sis.requests if p.startswith(root + "/users?")) >= 3


def test_delta_pull_returns_only_changes_and_tobedeleted_as_inactive(sis, adapter):
    list(adapter.read("enrollments"))
    bookmark = adapter.bookmark
    assert bookmark is not None and bookmark <= datetime.now(UTC) - timedelta(seconds=299)
    sis.touch("enrollments", "e2", status="tobedeleted")
    sis.touch("users", "u4", identifier="2025999")
    sis.touch("enrollments", "e4")
    changed = list(adapter.read("enrollments", ReadScope(since=bookmark)))
    assert {(e.person.external_ids["oneroster"], e.status) for e in changed} == {("u2", "inactive"), ("u4", "active")}
    assert next(e for e in changed if e.person.external_ids["oneroster"] == "u4").person.student_number == "2025999"
    assert adapter.last_read_full is False
    assert adapter.bookmark >= bookmark
    filters = [p for m, p, s in sis.requests if "dateLastModified%3E" in p or "dateLastModified>" in p]
    assert filters, "the delta read must filter on dateLastModified"


def test_full_option_ignores_the_bookmark_for_providers_that_hard_delete(sis, adapter):
    sis.remove("enrollments", "e5")
    since = datetime.now(UTC)
    full = list(adapter.read("enrollments", ReadScope(since=since, full=True)))
    assert len(full) == 7 and "u5" not in {e.person.external_ids["oneroster"] for e in full}
    assert adapter.last_read_full is True
    assert list(adapter.read("enrollments", ReadScope(since=since))) == []


def test_course_scope_reads_one_class(sis, adapter):
    enrollments = list(adapter.read("enrollments", ReadScope(course_id="c1")))
    assert len(enrollments) == 8 and all(e.person.student_number for e in enrollments)
    with pytest.raises(FatalError) as info:  # a 404 is never "no one": that would unenroll the whole course
        list(adapter.read("enrollments", ReadScope(course_id="nope")))
    assert info.value.code == "unknown_class" and "nope" in info.value.message


def test_missing_next_link_before_the_total_is_detected(sis, adapter):
    sis.total_header = sis.link_headers = True  # a provider sending both headers (the Ed-Fi kind sends neither)
    sis.max_page_size, sis.drop_next_link_at = None, 2
    with pytest.raises(DataError) as info:
        list(adapter.read("persons"))
    assert info.value.code == "pagination_incomplete"
    assert info.value.where["total"] == 8 and info.value.where["seen"] == 6


def test_offsets_are_followed_when_the_provider_sends_no_link_headers(sis, adapter):
    sis.link_headers = False
    assert len(list(adapter.read("persons"))) == 8


def test_invalid_filter_is_a_fatal_imsx_error(sis, adapter):
    with pytest.raises(FatalError) as info:
        next(iter(adapter.client.pages("rostering", "users", "users", filter="nosuchfield='x'")))
    assert info.value.code == "invalid_filter_field" and info.value.status == 400
    assert "invalid_filter_field" in info.value.where["imsx"]


def test_token_expiry_mid_pull_is_refreshed(sis, adapter):
    reader = adapter.read("persons")
    first = [next(reader) for _ in range(3)]
    sis.expire_tokens()
    rest = list(reader)
    assert len(first) + len(rest) == 8
    assert sis.token_requests == 2
    assert any(status == 401 for _m, _p, status in sis.requests)


def test_server_busy_429_is_retried_after_retry_after(sis, adapter):
    sis.inject(429, times=2, path="/users", retry_after=0.05)
    assert len(list(adapter.read("persons"))) == 8
    assert [s for _m, p, s in sis.requests if "/users" in p].count(429) == 2


def test_server_busy_that_persists_is_retriable(sis):
    adapter = make_adapter(sis, max_attempts=2)
    sis.inject(429, times=5, path="/classes", retry_after=0.01)
    with pytest.raises(RetriableError) as info:
        list(adapter.read("courses"))
    assert info.value.code == "server_busy"


def test_missing_scope_is_forbidden(sis):
    adapter = make_adapter(sis, scopes="gradebook.readonly")
    with pytest.raises(FatalError) as info:
        list(adapter.read("persons"))
    assert info.value.code == "forbidden" and info.value.status == 403


def test_wrong_secret_is_a_credentials_error(sis):
    with pytest.raises(FatalError) as info:
        make_adapter(sis, client_secret="wrong-secret").check_connection()
    assert info.value.code == "invalid_client" and info.value.where["oauth_error"] == "invalid_client"
    assert "HTTP Basic, client_secret_post" in info.value.message  # both ways tried (RFC 6749 §2.3.1)
    assert "Open edX" not in info.value.message


def _score(student: str, value: float, when: datetime, status: str = "graded") -> Score:
    return Score(person=Person(external_ids={"oneroster": student}), course_id="c1", line_item_id="li1",
                 value=value, max_score=100, scale="percent", status=status, timestamp=when)


def test_gradebook_round_trip_is_idempotent_and_stale_writes_lose(sis, adapter):
    when = datetime(2025, 12, 1, 8, 30, tzinfo=UTC)
    changes = [Change(key=f"k{i}", stream="scores", action="create", record=_score(f"u{i}", 80 + i, when))
               for i in range(3)]
    first = adapter.write("scores", changes)
    assert [r.status for r in first] == ["applied"] * 3
    results = {r["student"]["sourcedId"]: r for r in sis.tables["results"].all()}
    assert results["u0"]["score"] == 40 and results["u0"]["scoreStatus"] == "fully graded"
    assert results["u0"]["scoreDate"] == "2025-12-01"
    if sis.version == "1.2":
        assert any(m == "POST" and p.endswith("/lineItems/li1/results") for m, p, _s in sis.requests)
    else:
        assert any(m == "PUT" and "/results/" in p for m, p, _s in sis.requests)
    # A retry changes nothing and never makes a second result.
    again = adapter.write("scores", changes)
    assert [r.status for r in again] == ["unchanged"] * 3
    assert len(sis.tables["results"]) == 3
    # A newer grade wins; an older one (a late retry) is skipped; a forced one is written.
    newer = Change(key="n", stream="scores", action="update", record=_score("u0", 90, when + timedelta(hours=1)))
    older = Change(key="o", stream="scores", action="update", record=_score("u0", 10, when - timedelta(days=1)))
    assert adapter.write("scores", [newer])[0].status == "applied"
    assert adapter.write("scores", [older])[0].status == "skipped"
    assert adapter.current(older).value == 45
    forced = older.model_copy(update={"force": True})
    assert adapter.write("scores", [forced])[0].status == "applied"
    assert adapter.current(older).value == 5


def test_gradebook_write_finds_students_by_student_number(sis, adapter):
    score = Score(person=Person(student_number="2025004"), course_id="c1", line_item_id="li1", value=30,
                  max_score=50, scale="points", timestamp=datetime(2025, 12, 2, tzinfo=UTC))
    result = adapter.write("scores", [Change(key="x", stream="scores", action="create", record=score)])[0]
    assert result.status == "applied"
    assert adapter.current(Change(key="x", stream="scores", action="create", record=score)).value == 30
    unknown = score.model_copy(update={"person": Person(student_number="nobody")})
    failed = adapter.write("scores", [Change(key="y", stream="scores", action="create", record=unknown)])[0]
    assert failed.status == "failed" and failed.error["code"] == "unknown_person"


def test_unknown_line_item_fails_with_unknownobject(sis, adapter):
    score = _score("u1", 50, datetime(2025, 12, 1, tzinfo=UTC)).model_copy(update={"line_item_id": "missing"})
    result = adapter.write("scores", [Change(key="z", stream="scores", action="create", record=score)])[0]
    assert result.status == "failed" and result.error["code"] == "unknownobject"


def test_line_items_are_put_and_reread(sis, adapter):
    item = LineItem(course_id="c1", line_item_id="li-new", title="期末考试", max_score=100)
    change = Change(key="li", stream="line_items", action="create", record=item)
    assert adapter.write("line_items", [change])[0].status == "applied"
    assert adapter.write("line_items", [change])[0].status == "unchanged"
    assert adapter.current(change).title == "期末考试"
    stored = sis.tables["lineItems"].get("li-new")
    assert stored["class"]["sourcedId"] == "c1" and stored["resultValueMax"] == 100


def test_read_scores_back_as_points(sis, adapter):
    adapter.write("scores", [Change(key="a", stream="scores", action="create",
                                    record=_score("u1", 70, datetime(2025, 12, 1, tzinfo=UTC), "absent"))])
    scores = list(adapter.read("scores"))
    assert len(scores) == 1
    assert scores[0].value == 35 and scores[0].max_score == 50 and scores[0].scale == "points"
    assert scores[0].status == "absent" and scores[0].person.student_number == "2025001"
    assert scores[0].timestamp == datetime(2025, 12, 1, tzinfo=UTC)


def test_line_item_dates_are_date_times_and_a_negative_maximum_is_refused(sis, adapter):
    when = datetime(2025, 12, 1, 8, 30, tzinfo=UTC)
    item = LineItem(course_id="c1", line_item_id="li-dt", title="Quiz", max_score=10, updated_at=when)
    result = adapter.write("line_items", [Change(key="li", stream="line_items", action="create", record=item)])[0]
    assert result.status == "applied", result.message  # the fake answers 422 to a bare date, as the schema says
    stored = sis.tables["lineItems"].get("li-dt")
    assert stored["assignDate"] == stored["dueDate"] == "2025-12-01T08:30:00.000Z"
    negative = item.model_copy(update={"line_item_id": "li-neg", "max_score": -10})
    refused = adapter.write("line_items", [Change(key="n", stream="line_items", action="create", record=negative)])[0]
    assert refused.status == "failed" and refused.error["code"] == "bad_maximum" and "-10" in refused.message
    assert sis.tables["lineItems"].get("li-neg") is None
    score = _score("u1", 5, when).model_copy(update={"max_score": -50})
    refused = adapter.write("scores", [Change(key="s", stream="scores", action="create", record=score)])[0]
    assert refused.status == "failed" and refused.error["code"] == "bad_maximum"
    assert not [r for r in sis.tables["results"].all() if r["student"]["sourcedId"] == "u1"]


def test_a_quote_in_a_looked_up_value_finds_the_person(sis):
    sis.add_user("ob", username="o'brien", identifier="OB-1", given="Pat", family="O'Brien")
    sis.add_enrollment("eob", "ob", "c1")
    with make_adapter(sis, student_number="username") as adapter:
        score = Score(person=Person(student_number="o'brien"), course_id="c1", line_item_id="li1", value=40,
                      max_score=50, scale="points", timestamp=datetime(2025, 12, 2, tzinfo=UTC))
        result = adapter.write("scores", [Change(key="q", stream="scores", action="create", record=score)])[0]
    assert result.status == "applied", result.message
    assert any("username%3D%27o%27brien%27" in path for _m, path, _s in sis.requests)


def test_a_1_2_line_item_names_a_school_or_is_refused_before_anything_is_sent(sis):
    """Official 1.2 OpenAPI (1EdTech, agencyenterprise/oneroster-aipi ``gradebookservice.yaml`` line 4794):
    ``LineItemDType`` requires ``school``; Prism serving that file answered our PUT without it with 422
    ("lineItem must have required property 'school'"). 1.1 line items carry no school."""
    klass = dict(sis.tables["classes"].get("c1"))
    del klass["school"]
    sis.tables["classes"].put(klass)
    item = LineItem(course_id="c1", line_item_id="li-s", title="Quiz", max_score=10)
    change = Change(key="li", stream="line_items", action="create", record=item)
    with make_adapter(sis) as adapter:
        result = adapter.write("line_items", [change])[0]
    if sis.version == "1.1":
        assert result.status == "applied", result.message
        return
    assert result.status == "failed" and result.error["code"] == "missing_school"
    assert "c1" in result.message and "school=" in result.message
    assert sis.tables["lineItems"].get("li-s") is None
    assert not [r for r in sis.requests if r[0] == "PUT"]  # no category, no line item sent
    with make_adapter(sis, school="school-9") as adapter:
        assert adapter.write("line_items", [change])[0].status == "applied"
    assert sis.tables["lineItems"].get("li-s")["school"]["sourcedId"] == "school-9"
