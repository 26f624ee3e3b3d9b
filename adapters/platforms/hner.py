"""河南省基础教育资源公共服务平台 (*.hner.cn).

No public deep-link shapes are known (research §3), so every page on these hosts resolves as a ``page``
shown as a card that opens it.
"""

from __future__ import annotations

from .rules import Platform

PLATFORM = Platform(
    id="hner",
    name_zh="河南省基础教育资源公共服务平台",
    name_en="Henan Basic Education Resources Platform",
    hosts=("*.hner.cn",),
    family="public",
    examples=("https://www.hner.cn/",),
)
