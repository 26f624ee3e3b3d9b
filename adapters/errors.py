"""Typed errors of every adapter: retriable or fatal, each carrying what a person needs to fix it.

XBlock handlers and the command line turn these into messages at the edge; nothing else is raised
out of an adapter's public methods for a problem with the outside system or its data.
"""

from __future__ import annotations

from typing import Any


class AdapterError(Exception):
    """A problem talking to, or reading from, an outside system.

    ``code`` is stable (snake_case) for programs; ``message`` is a translated sentence for people;
    ``status`` and ``body`` carry the HTTP status and (truncated) response body when there was one;
    ``where`` names the file, line, field, platform or URL concerned.
    """

    retriable = False

    def __init__(self, message: str, *, code: str = "adapter_error", status: int | None = None,
                 body: str | None = None, where: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.body = body[:2000] if isinstance(body, str) else body
        self.where = where or {}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports and journals."""
        data: dict[str, Any] = {"code": self.code, "message": self.message, "retriable": self.retriable}
        if self.status is not None:
            data["status"] = self.status
        if self.where:
            data["where"] = self.where
        return data

    def __str__(self) -> str:
        return self.message


class RetriableError(AdapterError):
    """Worth trying again later: 429, 5xx, a timeout or a dropped connection."""

    retriable = True


class FatalError(AdapterError):
    """Trying again will not help until a person changes something: 4xx, bad data, bad credentials."""


class DataError(FatalError):
    """Input data (a spreadsheet, an export, a payload) is not what it must be; ``where`` says where."""


class Unsupported(FatalError, NotImplementedError):
    """The one refusal of the adapter contract (:mod:`adapters.base`): the adapter was asked for what it does not
    declare — a stream it does not read or write, a capability it does not have. ``where`` names the stream or the
    capability. A ``NotImplementedError`` too, so a caller written against the bare Python error still sees it."""

    def __init__(self, message: str, *, code: str = "unsupported", **kwargs: Any):
        super().__init__(message, code=code, **kwargs)
