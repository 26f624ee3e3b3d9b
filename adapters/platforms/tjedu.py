"""天津市基础教育资源公共服务平台, 开放学堂, 空中课堂, 博学乐园 (*.tjedu.cn, *.tjjy.com.cn).

No public deep-link shapes are known (research §3), so every page on these hosts resolves as a ``page``
shown as a card that opens it.
"""

from __future__ import annotations

from .rules import Platform

PLATFORM = Platform(
    id="tjedu",
    name_zh="天津市基础教育资源公共服务平台",
    name_en="Tianjin Basic Education Resources Platform",
    hosts=("*.tjedu.cn", "*.tjjy.com.cn"),
    family="public",
    examples=("https://www.tjedu.cn/",),
)
