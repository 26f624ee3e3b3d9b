"""Fixtures: a fake OneRoster provider on 127.0.0.1 and adapters pointed at it.

The provider comes in three kinds: 1.1 and 1.2 with both paging headers (the binding recommends them), and a
1.2 provider paging as the Ed-Fi Alliance's OneRoster API does (no ``X-Total-Count``, no ``Link``, ``limit``
capped without a word; :meth:`~tests.fakes.oneroster_server.FakeOneRoster.like_edfi`), capped here at 2 so that
the adapters' page size of 3 is always cut short. Ed-Fi serves 1.2 only."""

from __future__ import annotations

import pytest

from adapters.oneroster import OneRosterAdapter
from tests.fakes.oneroster_server import FakeOneRoster


def seed(sis: FakeOneRoster, people: int = 7) -> None:
    """A class c1 with ``people`` students (u0…; 学号 2025000…), a teacher t1 and a line item li1 (max 50)."""
    for i in range(people):
        sis.add_user(f"u{i}", identifier=f"2025{i:03d}", given="三", family=f"张{i}", email=f"u{i}@example.edu")
        sis.add_enrollment(f"e{i}", f"u{i}", "c1")
    sis.add_user("t1", identifier="T001", given="Ada", family="Lovelace", role="teacher")
    sis.add_enrollment("et1", "t1", "c1", "teacher")
    sis.add_class("c1", "Python 程序设计")
    sis.add_line_item("li1", "c1", "Homework 1", maximum=50)


def make_adapter(sis: FakeOneRoster, **options) -> OneRosterAdapter:
    """An adapter for ``sis`` (page size 3 so every listing crosses pages)."""
    spec = {"page_size": "3", "client_id": sis.client_id, "client_secret": sis.client_secret,
            "token_url": sis.url + "/oauth/token", **{k: str(v) for k, v in options.items()}}
    adapter = OneRosterAdapter.from_spec(sis.root("rostering"), spec)
    return adapter


PROVIDERS = [("1.1", "kind"), ("1.2", "kind"), ("1.2", "edfi")]
"""(version, paging) of the fake providers every OneRoster fixture runs against."""


@pytest.fixture(params=PROVIDERS, ids=[f"{version}-{kind}" for version, kind in PROVIDERS])
def sis(request):
    """A seeded fake provider of each kind (see the module docstring)."""
    version, kind = request.param
    with FakeOneRoster(version) as fake:
        seed(fake)
        if kind == "edfi":
            fake.like_edfi(max_page_size=2)
        yield fake


@pytest.fixture
def adapter(sis):
    """An adapter pointed at ``sis``."""
    with make_adapter(sis) as made:
        yield made
