"""国家教育资源公共服务平台, 国家网络云课堂 and 一师一优课 (*.eduyun.cn).

No public deep-link shapes are known (research §3), so every page on these hosts resolves as a ``page``
shown as a card that opens it.
"""

from __future__ import annotations

from .rules import Platform

PLATFORM = Platform(
    id="eduyun",
    name_zh="国家教育资源公共服务平台",
    name_en="National Public Service Platform for Educational Resources",
    hosts=("*.eduyun.cn",),
    family="public",
    examples=("https://1s1k.eduyun.cn/",),
)
