"""The author's choices of the platform-resource block: display, completion mode and frame size.

Pure functions and constants, no XBlock or Django: the block and its tests share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

_ = Translator.for_package("xblocks").gettext

DISPLAY_AUTO = "auto"
DISPLAY_CARD = "card"
DISPLAY_LABELS = {
    DISPLAY_AUTO: N_("Automatic: the platform's player where it may be embedded, otherwise a card"),
    DISPLAY_CARD: N_("Always a card that opens the platform in a new tab"),
}

COMPLETION_VIEW = "view"
COMPLETION_LINK = "link"
COMPLETION_MANUAL = "manual"
COMPLETION_LABELS = {
    COMPLETION_VIEW: N_("When the learner sees it on the page"),
    COMPLETION_LINK: N_("When the learner opens the link"),
    COMPLETION_MANUAL: N_("When the learner marks it as done"),
}

TITLE_MAX_LENGTH = 200
MIN_HEIGHT_PX = 120
MAX_HEIGHT_PX = 2000
MAX_RATIO_TERM = 100
# wider than 4:1 or taller than 1:4 is never a player
MIN_RATIO, MAX_RATIO = 0.25, 4.0

_RATIO_RE = re.compile(r"^\s*(\d{1,3})\s*[:/xX×]\s*(\d{1,3})\s*$")
_HEIGHT_RE = re.compile(r"^\s*(\d{1,4})\s*(?:px)?\s*$", re.IGNORECASE)


def choices(labels: dict[str, str]) -> list[dict[str, str]]:
    """Return ``labels`` as the ``[{"display_name", "value"}]`` list of a Studio select, translated now."""
    return [{"display_name": _(label), "value": value} for value, label in labels.items()]


def display_choices() -> list[dict[str, str]]:
    """The choices of the ``display`` field, in the current language."""
    return choices(DISPLAY_LABELS)


def completion_choices() -> list[dict[str, str]]:
    """The choices of the ``completion_mode`` field, in the current language."""
    return choices(COMPLETION_LABELS)


class SizeError(ValueError):
    """The author's height or aspect ratio is not one we can use; ``str()`` is the sentence to show."""

    code = "bad_size"


@dataclass(frozen=True)
class FrameSize:
    """How tall the embedded player is: an aspect ratio (``width:height``) or a fixed height in pixels."""

    ratio: tuple[int, int] | None = None
    height_px: int | None = None

    def css(self) -> str:
        """Return the inline CSS of the frame's wrapper, built only from the validated numbers."""
        if self.ratio:
            return f"aspect-ratio: {self.ratio[0]} / {self.ratio[1]};"
        return f"height: {self.height_px}px;"

    def as_json(self) -> dict[str, object]:
        """Return the size for the mobile apps: ``{"aspect_ratio": "16:9"}`` or ``{"height_px": 480}``."""
        if self.ratio:
            return {"aspect_ratio": f"{self.ratio[0]}:{self.ratio[1]}"}
        return {"height_px": self.height_px}


DEFAULT_SIZE = FrameSize(ratio=(16, 9))


def size_error_message() -> str:
    """The sentence an author sees when the height or aspect ratio cannot be used."""
    return _(
        "Enter an aspect ratio such as 16:9 or 4:3, or a height in pixels between {min} and {max}, such as 480px."
    ).format(min=MIN_HEIGHT_PX, max=MAX_HEIGHT_PX)


def parse_size(text: str | None) -> FrameSize:
    """Parse ``16:9``, ``4/3``, ``480px`` or ``480`` into a :class:`FrameSize`; empty means 16:9.

    Raises :class:`SizeError` for anything else, for zero terms, for ratios outside 1:4 … 4:1 and for
    heights outside ``MIN_HEIGHT_PX`` … ``MAX_HEIGHT_PX``.
    """
    if text is None or not str(text).strip():
        return DEFAULT_SIZE
    text = str(text)
    match = _RATIO_RE.match(text)
    if match:
        width, height = int(match.group(1)), int(match.group(2))
        if not (0 < width <= MAX_RATIO_TERM and 0 < height <= MAX_RATIO_TERM):
            raise SizeError(size_error_message())
        if not MIN_RATIO <= width / height <= MAX_RATIO:
            raise SizeError(size_error_message())
        return FrameSize(ratio=(width, height))
    match = _HEIGHT_RE.match(text)
    if match:
        height_px = int(match.group(1))
        if not MIN_HEIGHT_PX <= height_px <= MAX_HEIGHT_PX:
            raise SizeError(size_error_message())
        return FrameSize(height_px=height_px)
    raise SizeError(size_error_message())
