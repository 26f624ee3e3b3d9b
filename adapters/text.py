"""Control characters in text that came from outside: taken out of data, made visible on a screen.

Two jobs, one definition of what is dangerous (docs/decisions/0023):

* :func:`clean` — for *data* (a spreadsheet cell, a name): terminal escape sequences (``ESC [ 31 m``,
  ``ESC ] … BEL``) are removed whole, then every other C0/C1 control character and DEL; tab, line feed and
  carriage return stay where ``keep_breaks`` (a multi-line 备注), else they become one space. Excel cannot
  store C0 controls in a workbook at all (``openpyxl`` refuses them), so a cleaned value is always writable.
* :func:`visible` — for *display* (the terminal, the HTML report): every control character, DEL and
  the bidirectional overrides that reorder what a reader sees are shown as ``\\uXXXX`` — a person sees that
  something was there, and a terminal never receives an escape sequence. The same text is valid inside a
  JSON string, so a ``--json`` document stays valid and means the same.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["clean", "has_controls", "visible", "visible_all"]

# CSI (ESC [ … final byte, or the 8-bit CSI 0x9b), OSC / DCS / PM / APC strings up to BEL or ST, two-byte escapes
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P^_]|[\x9d\x90\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\n\r]")
# every C0/C1 control but tab and line feed, DEL, and the bidi embeddings, overrides and isolates
_UNSAFE_ON_SCREEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def has_controls(text: str) -> bool:
    """Whether :func:`clean` would change ``text`` beyond tab, line feed and carriage return."""
    return bool(_CONTROLS.search(text))


def clean(text: str, *, keep_breaks: bool = True) -> str:
    """``text`` without escape sequences and control characters (see the module docstring)."""
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", _SEQUENCES.sub("", text))
    if not keep_breaks and _BREAKS.search(text):
        text = _BREAKS.sub(" ", text)
    return text


def visible(text: str) -> str:
    """``text`` safe to show: each control character, DEL and bidi override written as ``\\uXXXX``."""
    if not _UNSAFE_ON_SCREEN.search(text):
        return text
    return _UNSAFE_ON_SCREEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def visible_all(value: Any) -> Any:
    """:func:`visible` applied to every string inside ``value`` (dicts, lists and tuples are copied)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {key: visible_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(visible_all(item) for item in value)
    return value
