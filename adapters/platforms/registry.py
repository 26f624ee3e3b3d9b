"""The catalog: the built-in platforms, in the order hosts are looked up, and lookups by id.

Operator-added platforms and hosts come from :class:`~.config.ResolverConfig`; pass it to see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import (
    bilibili,
    chaoxing,
    eduyun,
    hner,
    icourse163,
    icourses,
    icve,
    mosoteach,
    smartedu,
    tencent_video,
    tjedu,
    ulearning,
    xuetangx,
    yuketang,
    zhihuishu,
    zhixue,
    zjer,
)
from .rules import Platform

if TYPE_CHECKING:
    from .config import ResolverConfig

BUILTIN: tuple[Platform, ...] = tuple(
    module.PLATFORM
    for module in (
        smartedu, eduyun, hner, zjer, tjedu, icourse163, icourses, xuetangx, yuketang, zhihuishu, chaoxing, icve,
        mosoteach, ulearning, zhixue, bilibili, tencent_video,
    )
)
BY_ID: dict[str, Platform] = {platform.id: platform for platform in BUILTIN}

# Hosts an operator allow-lists for framing that no platform owns resolve to this platform.
ALLOWLISTED = Platform(
    id="allowlisted",
    name_zh="学校批准嵌入的网站",
    name_en="Site approved by your school",
    hosts=(),
    family="other",
    login_required=False,
    embed="iframe",
)


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
