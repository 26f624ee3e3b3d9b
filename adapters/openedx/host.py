"""What the Open edX writers (:mod:`adapters.openedx.writes`) use of their adapter.

:class:`~adapters.openedx.adapter.OpenEdxAdapter` builds the writers and is one of these; the writers are
typed against this protocol, not the adapter, so the adapter imports the writers and not the other way round.
It holds only what the writers use; ``tests/adapters/test_protocols.py`` fails when the adapter's signatures
drift from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from adapters.records import Enrollment, Person

if TYPE_CHECKING:  # pragma: no cover
    from .api import OpenEdxApi
    from .settings import OpenEdxSettings

__all__ = ["WriterHost"]


class WriterHost(Protocol):
    """The adapter's settings, API and batch size, and its identity and program caches."""

    settings: OpenEdxSettings
    api: OpenEdxApi
    batch_size: int

    def service_user(self) -> str:
        """The username our token acts as."""
        ...

    def course_for(self, course_id: str | None) -> str:
        """``course_id`` or the configured course."""
        ...

    def by_program(self, person: Person | None = None) -> bool:
        """True when enrollments are written as program ``student_key`` rows (for ``person``, if given)."""
        ...

    def program_statuses(self, course: str) -> dict[str, str]:
        """{student_key: status} of the program's enrollments in ``course``."""
        ...

    def forget_program_statuses(self, course: str) -> None:
        """Drop the listed program enrollments of ``course`` (after a program write to it)."""
        ...

    def program_enrollment(self, person: Person, course: str, status: str) -> Enrollment:
        """The Enrollment a program course-enrollment row stands for."""
        ...

    def linked_username(self, number: str, course: str) -> str | None:
        """The username whose program ``student_key`` is ``number``, or ``None``."""
        ...

    def username_for(self, person: Person, course: str) -> str | None:
        """The Open edX username of ``person``, or ``None`` when no account can be found."""
        ...

    def user_id_for(self, person: Person, course: str) -> int | None:
        """The Open edX user id of ``person``, or ``None``."""
        ...

    def resolve_user_ids(self, people: Sequence[Person], course: str) -> None:
        """Warm the account cache for many people at once."""
        ...
