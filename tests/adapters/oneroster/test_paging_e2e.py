"""Complete reads against providers that page the way real ones do (issue #12, item 1): a capped ``limit``
without paging headers (the Ed-Fi Alliance's OneRoster API), offsets refused past the end, a ``next`` link
left out. Every read is complete, or fails with ``pagination_ambiguous`` naming the provider and endpoint."""

from __future__ import annotations

import pytest

from adapters.base import ReadScope
from adapters.errors import DataError
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


@pytest.mark.parametrize("page_size", [500, 100, 37])
def test_a_capped_provider_without_headers_is_read_in_full(edfi, page_size):
    with make_adapter(edfi, page_size=page_size) as adapter:
        people = list(adapter.read("persons"))
        enrollments = list(adapter.read("enrollments", ReadScope(course_id="c1")))
    assert len(people) == PEOPLE
    assert {p.external_ids["oneroster"] for p in people} == {f"u{i:04d}" for i in range(PEOPLE)}
    assert len(enrollments) == PEOPLE and all(e.person.student_number for e in enrollments)
    pages = -(-PEOPLE // min(page_size, 100))
    asked = _users_asked(edfi)
    # limit 500 is capped to 100: a short page proves nothing, so the empty page after the last is asked for
    # too; a provider serving our full limit (100, 37) ends on its short last page
    assert len([p for p in asked if "offset=" in p]) >= pages + (1 if page_size > 100 else 0)


def test_a_probe_refused_past_the_end_is_ambiguous_and_names_provider_endpoint_and_counts(edfi):
    edfi.offset_past_end = 400
    with make_adapter(edfi, page_size=500) as adapter, pytest.raises(DataError) as info:
        list(adapter.read("persons"))
    error = info.value
    assert error.code == "pagination_ambiguous" and error.status == 400
    assert error.where == {"server": edfi.url, "endpoint": "users", "seen": PEOPLE, "limit": 500, "offset": PEOPLE}
    assert edfi.url in error.message and "users" in error.message and "605" in error.message
    assert "page_size" in error.message


def test_the_same_provider_is_read_in_full_with_its_page_size(edfi):
    edfi.offset_past_end = 400
    with make_adapter(edfi, page_size=100) as adapter:
        assert len(list(adapter.read("persons"))) == PEOPLE
    assert all(status == 200 for _m, _p, status in edfi.requests)


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
