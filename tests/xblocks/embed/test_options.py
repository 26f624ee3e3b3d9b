"""The author's frame size: aspect ratios and fixed heights, and everything else refused."""

import pytest

from xblocks.embed import options


@pytest.mark.parametrize(
    ("text", "css", "as_json"),
    [
        ("16:9", "aspect-ratio: 16 / 9;", {"aspect_ratio": "16:9"}),
        (" 4 / 3 ", "aspect-ratio: 4 / 3;", {"aspect_ratio": "4:3"}),
        ("1x1", "aspect-ratio: 1 / 1;", {"aspect_ratio": "1:1"}),
        ("480px", "height: 480px;", {"height_px": 480}),
        ("640", "height: 640px;", {"height_px": 640}),
        ("120PX", "height: 120px;", {"height_px": 120}),
        ("", "aspect-ratio: 16 / 9;", {"aspect_ratio": "16:9"}),
        (None, "aspect-ratio: 16 / 9;", {"aspect_ratio": "16:9"}),
    ],
)
def test_sizes_that_parse(text, css, as_json):
    size = options.parse_size(text)
    assert size.css() == css
    assert size.as_json() == as_json


@pytest.mark.parametrize(
    "text",
    ["0:9", "16:0", "9:1", "1:5", "101:100", "119px", "2001px", "100%", "auto", "16:9; background:url(x)",
     "480px;position:fixed", "-480", "1e3", "16:9:1", "<script>"],
)
def test_sizes_refused_with_a_sentence(text, english):
    with pytest.raises(options.SizeError) as caught:
        options.parse_size(text)
    assert "16:9" in str(caught.value) and "480px" in str(caught.value)


def test_choices_are_translated_when_read(chinese):
    labels = {choice["value"]: choice["display_name"] for choice in options.completion_choices()}
    assert set(labels) == {"view", "link", "manual"}
    assert labels["manual"] != options.COMPLETION_LABELS["manual"]
