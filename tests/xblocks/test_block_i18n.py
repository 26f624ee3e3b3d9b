"""Both blocks' Studio editors speak the author's language: every label, help text and choice, through one mixin."""

from __future__ import annotations

import itertools
import re

import lxml.html
import pytest
from django.utils import translation
from xblock.fields import Boolean, ScopeIds

from xblocks.embed.block import PlatformResourceBlock
from xblocks.i18n import TranslatedBlockMixin
from xblocks.scorm.block import ScormPlayerBlock
from xblocks.workbench.runtime import RecordingWorkbenchRuntime

BLOCKS = {"mooc_bridge_embed": PlatformResourceBlock, "mooc_bridge_scorm": ScormPlayerBlock}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
_ids = itertools.count()

pytestmark = pytest.mark.django_db


def editor(block_type: str, language: str):
    """The block's Studio editor on the workbench runtime in ``language``: ``{field: (label, help, choices)}``."""
    n = next(_ids)
    runtime = RecordingWorkbenchRuntime("author")
    block = runtime.construct_xblock_from_class(
        BLOCKS[block_type], ScopeIds("author", block_type, f"i18n{n}.{block_type}.d0", f"i18n{n}.{block_type}.d0.u0"))
    with translation.override(language):
        content = block.studio_view({}).content
    root = lxml.html.fragment_fromstring(content, create_parent="div")
    found = {}
    for entry in root.xpath(".//li[@data-field-name]"):
        label = " ".join(entry.xpath(".//label[contains(@class, 'setting-label')]")[0].text_content().split())
        help_text = " ".join(" ".join(entry.xpath(".//span[contains(@class, 'setting-help')]//text()")).split())
        choices = [" ".join(option.text_content().split()) for option in entry.xpath(".//select/option")]
        found[entry.get("data-field-name")] = (label, help_text, choices)
    return block, found


def test_both_blocks_share_the_one_translation_mixin():
    for block_class in BLOCKS.values():
        assert issubclass(block_class, TranslatedBlockMixin)
        assert block_class.ugettext is TranslatedBlockMixin.ugettext
        assert block_class.service_declaration("i18n") == "want"


@pytest.mark.parametrize("block_type", sorted(BLOCKS))
def test_every_editable_field_has_a_chinese_label_and_help(block_type):
    block, fields = editor(block_type, "zh-cn")
    assert list(fields) == list(block.editable_fields)
    for name, (label, help_text, choices) in fields.items():
        assert CHINESE.search(label), (name, label)
        assert CHINESE.search(help_text), (name, help_text)
        if not isinstance(block.fields[name], Boolean) and block.fields[name].values:
            # a select of the block's own choices (Booleans' True/False are written in Studio's template)
            assert choices and all(CHINESE.search(choice) for choice in choices), (name, choices)


@pytest.mark.parametrize("block_type", sorted(BLOCKS))
def test_in_english_the_editor_stays_english(block_type):
    _block, fields = editor(block_type, "en")
    for name, (label, help_text, choices) in fields.items():
        assert not CHINESE.search(label + help_text + "".join(choices)), name


def test_the_scorm_editor_in_chinese_names_its_choices():
    _block, fields = editor("mooc_bridge_scorm", "zh-hans")
    label, _help, choices = fields["display_mode"]
    assert label == "显示方式"
    assert "在新窗口中" in choices
