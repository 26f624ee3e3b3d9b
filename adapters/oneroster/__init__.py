"""OneRoster 1.1 and 1.2: a REST consumer (rosters, gradebook writes) and CSV bundles (read and written).

- ``oneroster:<server or service root>?version=1.1|1.2&…`` → :class:`OneRosterAdapter` (:mod:`.adapter`).
- ``oneroster-csv:<bundle.zip>?version=1.1|1.2&mode=bulk|delta`` → :class:`OneRosterCsvAdapter` (:mod:`.csvadapter`).

See docs/decisions/0016-oneroster.md for the decisions (bookmarks, reconcile, result ids, user index).
"""

from .adapter import OneRosterAdapter
from .csvadapter import OneRosterCsvAdapter

__all__ = ["OneRosterAdapter", "OneRosterCsvAdapter"]
