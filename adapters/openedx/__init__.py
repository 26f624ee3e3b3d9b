"""Open edX LMS adapter: OAuth2 client credentials (JWT), enrollments, program enrollments, grades and overrides.

``OpenEdxAdapter.from_spec("https://lms.example.edu", {"course": "course-v1:Org+C+R"})`` builds it from a SPEC
(``openedx:https://lms.example.edu?course=course-v1:Org+C+R``). Modules: :mod:`.settings` (options),
:mod:`.api` (one method per endpoint), :mod:`.models` (raw answer shapes), :mod:`.adapter` (reads,
``current``), :mod:`.writes` (write paths). Endpoints and their sources: docs/decisions/0010-openedx-adapter.md.
"""

from __future__ import annotations

from .adapter import OpenEdxAdapter
from .api import OpenEdxApi
from .settings import ENV_CLIENT_ID, ENV_CLIENT_SECRET, OpenEdxSettings

__all__ = ["ENV_CLIENT_ID", "ENV_CLIENT_SECRET", "OpenEdxAdapter", "OpenEdxApi", "OpenEdxSettings"]
