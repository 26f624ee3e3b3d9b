"""Progress reporting for long work: a tqdm bar on a terminal, nothing when output is piped.

The library reports through the small :class:`Progress` protocol (``start``, ``advance``, ``close``),
so a Celery task or the XBlock can pass its own; :func:`terminal_progress` is the command line's.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

__all__ = ["NullProgress", "Progress", "TqdmProgress", "terminal_progress"]


class Progress(Protocol):
    """Something that is told how much work there is and how much is done."""

    def start(self, total: int, description: str) -> None:
        """Begin a stage of ``total`` units (bytes) described by ``description``."""

    def advance(self, amount: int) -> None:
        """Record ``amount`` more units done."""

    def close(self) -> None:
        """End the current stage."""


class NullProgress:
    """Reports nothing."""

    def start(self, total: int, description: str) -> None:  # noqa: D102
        return None

    def advance(self, amount: int) -> None:  # noqa: D102
        return None

    def close(self) -> None:  # noqa: D102
        return None


class TqdmProgress:
    """A tqdm byte counter on ``stream`` (stderr by default)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self._bar = None

    def start(self, total: int, description: str) -> None:  # noqa: D102
        from tqdm import tqdm

        self.close()
        self._bar = tqdm(total=total, desc=description, unit="B", unit_scale=True, unit_divisor=1024,
                         file=self.stream, leave=False, dynamic_ncols=True)

    def advance(self, amount: int) -> None:  # noqa: D102
        if self._bar is not None:
            self._bar.update(amount)

    def close(self) -> None:  # noqa: D102
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def terminal_progress(stream: TextIO | None = None) -> Progress:
    """Return a bar when ``stream`` (default stderr) is a terminal, else a :class:`NullProgress`."""
    stream = stream or sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return TqdmProgress(stream) if interactive else NullProgress()
