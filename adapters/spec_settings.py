"""What every adapter does with the options of a sync SPEC: check URLs, and turn a settings model's
validation errors into one typed, translated error that names the option.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from .errors import FatalError
from .i18n import Translator

_ = Translator.for_package("adapters").gettext

Model = TypeVar("Model", bound=BaseModel)

__all__ = ["build_settings", "http_url"]


def http_url(value: str | None) -> str | None:
    """``value`` without surrounding spaces or a trailing slash; ``ValueError`` unless it is an http(s) URL."""
    if value is None:
        return None
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def build_settings(model: type[Model], values: Mapping[str, Any], *, system: str) -> Model:
    """Validate ``values`` into ``model``; a bad value raises ``FatalError`` (``bad_spec``) naming the option."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "?"
        raise FatalError(_("The {system} setting {field} is not valid: {problem}").format(
            system=system, field=field, problem=first.get("msg", "")), code="bad_spec",
            where={"option": field}) from None
