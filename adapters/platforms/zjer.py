"""浙江之江汇教育广场 (*.zjer.cn).

No public deep-link shapes are known (research §3), so every page on these hosts resolves as a ``page``
shown as a card that opens it.
"""

from __future__ import annotations

from .rules import Platform

PLATFORM = Platform(
    id="zjer",
    name_zh="浙江之江汇教育广场",
    name_en="Zhejiang Zhijianghui Education Plaza",
    hosts=("*.zjer.cn",),
    family="public",
    examples=("https://yun.zjer.cn/",),
)
