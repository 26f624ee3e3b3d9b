"""Chinese renders as Chinese in the browser the tests drive (and in their screenshots), not as empty boxes.

Chromium draws every character that no installed font covers with the same "missing glyph" box, so two
different Chinese characters that render to the same pixels mean there is no Chinese font. `make test`'s
system step installs Debian's fonts-noto-cjk for this.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><meta charset="utf-8">
<style>span {{ font: 48px sans-serif; display: inline-block; padding: 4px; background: #fff; color: #000; }}</style>
{spans}"""
# two everyday characters, a traditional form, and a private-use code point that no font draws
CHARACTERS = {"guo": "国", "jia": "家", "xue": "學", "none": "\U0010fffd"}


def glyphs(page) -> dict[str, bytes]:
    spans = "".join(f'<span id="{name}">{char}</span>' for name, char in CHARACTERS.items())
    page.set_content(PAGE.format(spans=spans))
    return {name: page.locator(f"#{name}").screenshot() for name in CHARACTERS}


def test_chinese_characters_have_glyphs(page):
    drawn = glyphs(page)
    assert drawn["guo"] != drawn["jia"], "国 and 家 render alike: no Chinese font (install fonts-noto-cjk)"
    assert drawn["guo"] != drawn["none"] and drawn["jia"] != drawn["none"], "国 and 家 render as the missing glyph"
    assert drawn["xue"] != drawn["none"], "traditional characters render as the missing glyph"
