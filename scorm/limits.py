"""The limits an operator can change: sizes, counts and ratios a package must stay within.

``Limits()`` holds the defaults; an operator overrides any of them from settings with
``Limits.from_mapping({"max_total_bytes": 4 * 2**30})`` (unknown keys are refused, so a typo does not
silently keep the default). Every size limit is checked twice: against what the zip *claims*
(before anything is read) and against the bytes *actually* produced while streaming, so a zip whose
headers lie cannot get past.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits", "human_size"]

MiB = 2**20
GiB = 2**30


class Limits(BaseModel):
    """Bounds on a package. All sizes are bytes of *uncompressed* content unless named otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_total_bytes: int = Field(4 * GiB, gt=0, description="all files together, unpacked")
    max_entries: int = Field(20_000, gt=0, description="files and folders in the zip")
    max_entry_bytes: int = Field(2 * GiB, gt=0, description="one file, unpacked")
    max_entry_ratio: float = Field(200.0, gt=1, description="unpacked/packed size of one file")
    max_total_ratio: float = Field(50.0, gt=1, description="unpacked/packed size of the whole package")
    ratio_floor_bytes: int = Field(MiB, ge=0, description="ratios are only checked above this unpacked size")
    max_manifest_bytes: int = Field(16 * MiB, gt=0, description="imsmanifest.xml and metadata files")
    max_attribute_chars: int = Field(8192, gt=0, description="one XML attribute value")
    max_path_chars: int = Field(1024, gt=0, description="one path inside the package")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Limits:
        """Return the defaults overridden by ``values`` (e.g. from Django or XBlock settings)."""
        return cls.model_validate(dict(values or {}))


def human_size(size: float) -> str:
    """Return ``size`` bytes as a short human text, e.g. ``"1.5 GiB"``."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover - loop always returns
