"""The platform catalog: turn a link from a national, provincial or MOOC platform into an embeddable resource.

Public API (the embed block and ``mooc-bridge resolve`` use only this)::

    from adapters.platforms import (resolve, ResolveError, PlatformResource, Embed, ResolveWarning,
                                    ResolverConfig, Platform, get_platform, all_platforms)

One module per platform (``bilibili.py``, ``icourse163.py`` …) declares its names, hosts, URL rules and embed
policy; docs/decisions/0004-platform-catalog.md explains the choices.
"""

from .config import ConfigError, ResolverConfig
from .lookup import all_platforms, get_platform
from .model import Embed, PlatformResource, ResolveError, ResolveWarning
from .resolver import resolve
from .rules import Platform

__all__ = [
    "ConfigError",
    "Embed",
    "Platform",
    "PlatformResource",
    "ResolveError",
    "ResolveWarning",
    "ResolverConfig",
    "all_platforms",
    "get_platform",
    "resolve",
]
