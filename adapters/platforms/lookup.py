"""Every platform a link may resolve to: the built-in catalog, with what an operator configured.

:mod:`.registry` holds the built-in platforms and :mod:`.config` the operator's additions (built on the
registry); this module answers for both, so neither of them imports the other's lookups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import ALLOWLISTED, BUILTIN
from .rules import Platform

if TYPE_CHECKING:
    from .config import ResolverConfig

__all__ = ["all_platforms", "get_platform"]


def all_platforms(config: ResolverConfig | None = None) -> list[Platform]:
    """Return every platform links may resolve to: built-in ones (with operator-added hosts) then operator-added.

    With a config that allow-lists hosts no platform owns, the last entry is ``allowlisted`` holding them.
    """
    if config is None:
        return list(BUILTIN)
    return list(config.platforms())


def get_platform(platform_id: str, config: ResolverConfig | None = None) -> Platform | None:
    """Return the platform with id ``platform_id`` (built-in, operator-added or ``allowlisted``), or ``None``."""
    for platform in all_platforms(config):
        if platform.id == platform_id:
            return platform
    return ALLOWLISTED if platform_id == ALLOWLISTED.id else None
