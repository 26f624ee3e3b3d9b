"""Complete reads against providers that page the way real ones do (issue #12, item 1): a capped ``limit``
without paging headers (the Ed-Fi Alliance's OneRoster API), offsets refused past the end, a ``next`` link
left out. Every read is complete, or fails with ``pagination_ambiguous`` naming the provider and endpoint."""

from __future__ import annotations

import pytest

from adapters.base import Change, ReadScope
from adapters.errors import DataError
from adapters.records import Person, Score
from tests.fakes.oneroster_server import FakeOneRoster

from .conftest import make_adapter

PEOPLE = 605


@pytest.fixture(params=["1.1", "1.2"])
def edfi(request):
    """605 users in one class, served 100 at most per page with neither X-Total-Count nor Link."""
    with FakeOneRoster(request.param) as fake:
        fake.add_class("c1", "Python")
        for i in range(PEOPLE):
            fake.add_user(f"u{i:04d}", identifier=f"2025{i:04d}")
            fake.add_enrollment(f"e{i:04d}", f"u{i:04d}", "c1")
        yield fake.like_edfi(max_page_size=100)


def _users_asked(sis: FakeOneRoster) -> list[str]:
    return [path for method, path, _status in sis.requests if method == "GET" and "/users?" in path]


@pytest.mark.parametrize(("options", "requests"), [
    ({"page_size": 500}, 8),  # capped to 100: a short page proves nothing, so the empty page after the last too
    ({"page_size": 100}, 7),  # the provider serves our full limit: its short last page ends the listing
    ({"page_size": 37}, 17),
    ({"page_size": 500, "max_page": 100}, 7),  # the cap declared: we ask for 100, and the short page is the end
])
def test_a_capped_provider_without_headers_is_read_in_full(edfi, options, requests):
    with make_adapter(edfi, **options) as adapter:
        people = list(adapter.read("persons"))
        enrollments = list(adapter.read("enrollments", ReadScope(course_id="c1")))
    assert len(people) == PEOPLE
    assert {p.external_ids["oneroster"] for p in people} == {f"u{i:04d}" for i in range(PEOPLE)}
    assert len(enrollments) == PEOPLE and all(e.person.student_number for e in enrollments)
    # Ed-Fi has no /classes/{id}/students: the class's 605 people come from its enrollments, more than are worth
    # looking up one by one, so /users is listed once more, as completely as the first time
    assert len(_users_asked(edfi)) == 2 * requests
    assert [status for _m, path, status in edfi.requests if "/classes/c1/students" in path] == [404]


def test_a_probe_refused_past_the_end_is_ambiguous_and_names_provider_endpoint_counts_and_max_page(edfi):
    edfi.offset_past_end = 400
    with make_adapter(edfi, page_size=500) as adapter, pytest.raises(DataError) as info:
        list(adapter.read("persons"))
    error = info.value
    assert error.code == "pagination_ambiguous" and error.status == 400
    assert error.where == {"server": edfi.url, "endpoint": "users", "seen": PEOPLE, "limit": 500, "offset": PEOPLE}
    assert edfi.url in error.message and "users" in error.message and "605" in error.message
    assert "the last page 5 of the 500 asked for" in error.message and "max_page=" in error.message


def test_the_same_provider_is_read_in_full_with_its_page_size(edfi):
    edfi.offset_past_end = 400
    with make_adapter(edfi, page_size=100) as adapter:
        assert len(list(adapter.read("persons"))) == PEOPLE
    assert all(status == 200 for _m, _p, status in edfi.requests)


@pytest.fixture
def small_class():
    """30 users, served 100 at most per page without headers, an offset at or past the end refused with 400."""
    with FakeOneRoster("1.2") as fake:
        for i in range(30):
            fake.add_user(f"u{i:02d}")
        fake.like_edfi(max_page_size=100).offset_past_end = 400
        yield fake


def test_a_listing_shorter_than_the_declared_largest_page_ends_without_a_probe(small_class):
    with make_adapter(small_class, page_size=500, max_page=100) as adapter:
        assert len(list(adapter.read("persons"))) == 30
    assert len(_users_asked(small_class)) == 1
    assert all(status == 200 for _m, _p, status in small_class.requests)


def test_without_a_declared_largest_page_a_refused_probe_names_max_page(small_class):
    with make_adapter(small_class, page_size=500) as adapter, pytest.raises(DataError) as info:
        list(adapter.read("persons"))
    assert "the last page 30 of the 500 asked for" in info.value.message and "max_page=" in info.value.message


def test_a_full_last_page_is_not_called_short(small_class):
    with make_adapter(small_class, page_size=30) as adapter, pytest.raises(DataError) as info:
        list(adapter.read("persons"))
    message = info.value.message
    assert info.value.code == "pagination_ambiguous" and "the last page full (30 of the 30 asked for)" in message
    assert "shorter" not in message and "X-Total-Count" in message


@pytest.mark.parametrize(("kind", "listings"), [("kind", 1), ("capped, declared", 1), ("capped", 2)])
def test_writing_grades_lists_a_line_items_results_once_when_the_end_is_known(kind, listings):
    """The results of a class are listed before writing: one request when X-Total-Count or max_page proves the
    end; a provider that proves nothing costs the probe."""
    with FakeOneRoster("1.2") as sis:
        sis.add_class("c1", "Python")
        sis.add_line_item("li1", "c1", "Homework", maximum=100)
        for i in range(30):
            sis.add_user(f"u{i:02d}")
            sis.tables["results"].put({  # results of an earlier run, to be updated
                "sourcedId": f"r{i:02d}", "status": "active", "dateLastModified": "2025-06-01T09:00:00.000Z",
                "lineItem": sis.ref("lineItems", "li1", "lineItem"), "student": sis.ref("users", f"u{i:02d}", "user"),
                "class": sis.ref("classes", "c1", "class"), "scoreStatus": "fully graded", "score": 70.0,
                "metadata": {"mooc-bridge.status": "graded"}})
        if kind != "kind":
            sis.like_edfi(max_page_size=100)
        changes = [Change(key=f"k{i}", stream="scores", action="update", record=Score(
            person=Person(external_ids={"oneroster": f"u{i:02d}"}), course_id="c1", line_item_id="li1",
            value=80.0, max_score=100, scale="points")) for i in range(30)]
        options = {"page_size": 500, **({"max_page": 100} if kind == "capped, declared" else {})}
        with make_adapter(sis, **options) as adapter:
            assert {r.status for r in adapter.write("scores", changes)} == {"applied"}
        assert {row["score"] for row in sis.tables["results"].all()} == {80.0}
        asked = [p for m, p, _s in sis.requests if m == "GET" and p.split("?")[0].endswith("/results")]
    assert len(asked) == listings


def test_a_short_page_is_the_end_only_from_a_provider_that_serves_our_limit():
    with FakeOneRoster("1.2") as sis:
        for i in range(5):
            sis.add_user(f"u{i}")
        sis.total_header = sis.link_headers = False
        with make_adapter(sis, page_size=3) as adapter:
            assert len(list(adapter.read("persons"))) == 5
        assert [p.split("offset=")[1].split("&")[0] for p in _users_asked(sis)] == ["0", "3"]
        sis.requests.clear()
        with make_adapter(sis, page_size=10) as adapter:  # 5 < 10 asked: maybe capped, so probe
            assert len(list(adapter.read("persons"))) == 5
        assert [p.split("offset=")[1].split("&")[0] for p in _users_asked(sis)] == ["0", "5"]


def test_a_next_link_left_out_without_a_total_is_probed_past():
    with FakeOneRoster("1.2") as sis:
        for i in range(8):
            sis.add_user(f"u{i}")
        sis.total_header, sis.max_page_size, sis.drop_next_link_at = False, 2, 2
        with make_adapter(sis, page_size=3) as adapter:
            people = list(adapter.read("persons"))
        assert sorted(p.external_ids["oneroster"] for p in people) == [f"u{i}" for i in range(8)]
        assert not [p for p in _users_asked(sis) if p.count("offset=") > 1], "one offset per request"
