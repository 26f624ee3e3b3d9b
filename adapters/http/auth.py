"""Credentials for :class:`~adapters.http.client.HttpClient`: OAuth2 client credentials and static tokens.

A provider gives the client an ``Authorization`` header for each attempt (:meth:`TokenProvider.header`) and
forgets a token the server refused (:meth:`TokenProvider.invalidate`); the client then asks once more and
gives up on a second 401. :class:`ClientCredentials` caches its token, fetches a new one shortly before it
expires, fetches it through the same client (so the token call shares the retry policy and the rate
limit), and lets only one thread fetch at a time. Secrets and tokens are registered with the client's
:class:`~adapters.http.redact.Secrets` so they never appear in messages or logs.

Open edX: ``ClientCredentials.openedx(lms_url, client_id, client_secret)`` posts
``grant_type=client_credentials&client_id=…&client_secret=…&token_type=jwt`` to ``{lms}/oauth2/access_token``
and sends ``Authorization: JWT <token>``. OneRoster 1.2 / LTI-style servers: ``ClientCredentials(token_url, …,
scopes=[…])`` sends ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from adapters.errors import DataError, FatalError
from adapters.i18n import Translator

if TYPE_CHECKING:  # pragma: no cover
    import requests

    from .redact import Secrets

__all__ = ["ClientCredentials", "StaticToken", "TokenClient", "TokenProvider"]

_ = Translator.for_package("adapters").gettext


class TokenClient(Protocol):
    """What a provider needs from the client (:class:`~adapters.http.client.HttpClient` is one).

    Declared here, on the side that needs it, so this module does not import the client that imports it; only
    what the providers use. ``tests/adapters/test_protocols.py`` fails when the client's signature drifts from it.
    """

    secrets: Secrets

    def request(self, method: str, url: str, *, data: Any = None, headers: Any = None,
                idempotent: bool | None = None, authenticate: bool = True,
                auth: Any = None) -> requests.Response:
        """Send one request with the house policy (see :meth:`~adapters.http.client.HttpClient.request`)."""
        ...


class TokenProvider(Protocol):
    """What the client needs from a credentials provider."""

    def header(self, client: TokenClient) -> tuple[str, dict[str, str]]:
        """Return ``(token, headers)`` to send now; ``token`` identifies it for :meth:`invalidate`."""

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the server refused it) so the next :meth:`header` fetches a new one."""


class StaticToken:
    """A fixed token (an API key issued by hand): ``Authorization: <scheme> <token>``; cannot be refreshed."""

    def __init__(self, token: str, scheme: str = "Bearer"):
        self.token = token
        self.scheme = scheme

    def header(self, client: TokenClient) -> tuple[str, dict[str, str]]:
        """Return the token and its header (and register it as a secret with ``client``)."""
        client.secrets.add(self.token)
        return self.token, {"Authorization": f"{self.scheme} {self.token}"}

    def invalidate(self, token: str) -> None:
        """Nothing to refresh: the next 401 is final."""


class ClientCredentials:
    """OAuth2 client-credentials grant with a cached, thread-safe token."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, scopes: Sequence[str] = (),
                 token_type: str | None = None, scheme: str | None = None, basic_auth: bool = False,
                 refresh_margin: float = 60.0, clock: Callable[[], float] = time.monotonic):
        """``token_type`` is sent as a form field (Open edX: ``"jwt"``); ``scheme`` overrides the header
        scheme (default: the ``token_type`` the server returns, ``JWT`` or ``Bearer``); ``basic_auth`` sends
        the client id and secret as HTTP Basic instead of form fields; a token is renewed ``refresh_margin``
        seconds before it expires. Missing credentials raise ``missing_credentials`` on first use."""
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = tuple(scopes)
        self.token_type = token_type
        self.scheme = scheme
        self.basic_auth = basic_auth
        self.refresh_margin = refresh_margin
        self.clock = clock
        self.fetches = 0
        self._token: str | None = None
        self._scheme = scheme or "Bearer"
        self._expires_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def openedx(cls, lms_url: str, client_id: str, client_secret: str, **kwargs) -> ClientCredentials:
        """Provider for an Open edX LMS: ``POST {lms}/oauth2/access_token`` with ``token_type=jwt``."""
        return cls(lms_url.rstrip("/") + "/oauth2/access_token", client_id, client_secret, token_type="jwt",  # noqa: S106
                   **kwargs)

    def __repr__(self) -> str:
        return f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def header(self, client: TokenClient) -> tuple[str, dict[str, str]]:
        """Return a valid token and its ``Authorization`` header, fetching one if needed."""
        if not self.client_id or not self._client_secret:
            raise FatalError(_("An OAuth2 client id and client secret are required."), code="missing_credentials",
                             where={"token_url": self.token_url})
        client.secrets.add(self._client_secret)
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._fetch(client)
            token, scheme = self._token, self._scheme
        assert token is not None
        return token, {"Authorization": f"{scheme} {token}"}

    def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is still the cached one (another thread may have refreshed it already)."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self, client: TokenClient) -> None:
        form = {"grant_type": "client_credentials"}
        auth = None
        if self.basic_auth:
            auth = (self.client_id, self._client_secret)
        else:
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        if self.token_type:
            form["token_type"] = self.token_type
        where = {"token_url": self.token_url}
        try:
            response = client.request("POST", self.token_url, data=form, auth=auth, authenticate=False,
                                      idempotent=True, headers={"Accept": "application/json"})
        except FatalError as exc:
            if exc.status in (400, 401, 403):
                raise FatalError(_("The token endpoint refused the client credentials (HTTP {status}). Check the "
                                   "client id and secret.").format(status=exc.status), code="bad_credentials",
                                 status=exc.status, body=exc.body, where=where) from exc
            raise
        self.fetches += 1
        try:
            payload = response.json()
            token = payload["access_token"]
            if not isinstance(token, str) or not token:
                raise ValueError
            expires_in = float(payload.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DataError(_("The token endpoint did not return an access token."), code="bad_token_response",
                            status=response.status_code, where=where) from exc
        client.secrets.add(token)
        kind = str(payload.get("token_type") or "").lower()
        self._scheme = self.scheme or ("JWT" if kind == "jwt" else "Bearer")
        self._token = token
        margin = min(self.refresh_margin, expires_in / 2)
        self._expires_at = self.clock() + expires_in - margin
