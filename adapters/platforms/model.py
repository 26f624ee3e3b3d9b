"""What the resolver returns and raises: PlatformResource, Embed, ResolveWarning, ResolveError.

These are the contract the embed block and ``mooc-bridge resolve`` rely on (docs/decisions/0004).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adapters.i18n import Translator

_ = Translator.for_package("adapters").gettext

__all__ = ["Embed", "PlatformResource", "ResolveError", "ResolveWarning"]


class ResolveError(Exception):
    """A link the resolver refuses.

    ``code`` is stable snake_case for programs (one code per reason, listed in :mod:`.errors`); ``message``
    is one plain sentence for a person, translated into the language current when it is read.
    """

    def __init__(self, code: str, message_id: str, **params: Any):
        self.code = code
        self.message_id = message_id
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        """The reason in plain language, in the current language."""
        return _(self.message_id).format(**self.params)

    def to_dict(self) -> dict[str, str]:
        """Return ``{"code", "message"}``, the ``error`` object of the CLI contract."""
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ResolveError({self.code!r})"


class Embed(BaseModel):
    """How a resource is shown: ``iframe`` with the player URL in ``src``, or ``card`` linking to ``src``."""

    model_config = ConfigDict(frozen=True)

    mode: Literal["iframe", "card"]
    src: str | None = None


class ResolveWarning(BaseModel):
    """Something the author should know about a link that still resolved.

    ``suggestion`` is the public page to use instead, when one is known.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    suggestion: str | None = None

    def to_json(self) -> dict[str, str | None]:
        """Return ``{"code", "message", "suggestion"}``."""
        return {"code": self.code, "message": self.message, "suggestion": self.suggestion}


class PlatformResource(BaseModel):
    """A link resolved to a platform resource: which platform, what kind, its ids, where to send people."""

    model_config = ConfigDict(frozen=True)

    url: str
    platform: str
    platform_name: str
    kind: str
    ids: dict[str, str] = Field(default_factory=dict)
    canonical_url: str
    embed: Embed
    warnings: list[ResolveWarning] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the object ``mooc-bridge resolve --json`` prints for this link (the CLI contract)."""
        return {
            "url": self.url,
            "platform": self.platform,
            "kind": self.kind,
            "ids": dict(self.ids),
            "canonical_url": self.canonical_url,
            "embed": {"mode": self.embed.mode, "src": self.embed.src},
            "warnings": [warning.to_json() for warning in self.warnings],
        }
