"""The catalog: the built-in platforms, in the order hosts are looked up, by id.

Operator-added platforms and hosts come from :class:`~.config.ResolverConfig` (built on this module);
:mod:`.lookup` answers for both.
"""

from __future__ import annotations

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
