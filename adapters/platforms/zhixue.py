"""智学网 (*.zhixue.com).

No public deep-link shapes are known (research §3), so every page on these hosts resolves as a ``page``
shown as a card that opens it.
"""

from __future__ import annotations

from .rules import Platform

PLATFORM = Platform(
    id="zhixue",
    name_zh="智学网",
    name_en="Zhixue",
    hosts=("*.zhixue.com",),
    family="mooc",
    examples=("https://www.zhixue.com/",),
)
