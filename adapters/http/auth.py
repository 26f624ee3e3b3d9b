"""Credentials for :class:`~adapters.http.client.HttpClient`: OAuth2 client credentials and static tokens.

A provider gives the client an ``Authorization`` header for each attempt (:meth:`TokenProvider.header`) and
forgets a token the server refused (:meth:`TokenProvider.invalidate`); the client then asks once more and
gives up on a second 401. :class:`ClientCredentials` caches its token, fetches a new one shortly before it
expires, fetches it through the same client (so the token call shares the retry policy and the rate
limit), and lets only one thread fetch at a time. Secrets and tokens are registered with the client's
:class:`~adapters.http.redact.Secrets` so they never appear in messages or logs.

Open edX: ``ClientCredentials.openedx(lms_url, client_id, client_secret)`` posts
``grant_type=client_credentials&client_id=…&client_secret=…&token_type=jwt`` to ``{lms}/oauth2/access_token``
and sends ``Authorization: JWT <token>``. OneRoster / LTI-style servers: ``ClientCredentials(token_url, …,
scopes=[…], client_auth="auto")`` sends ``Authorization: Bearer <token>``.

Client authentication (RFC 6749 §2.3.1): ``basic`` (HTTP Basic, which every server must accept), ``post``
(``client_id``/``client_secret`` in the form body, which servers may accept instead), or ``auto``: Basic first,
and once more with the body when the server refuses Basic (400/401 ``invalid_client``, 401, 422), remembering
what worked. Refusals are told apart by their RFC 6749 §5.2 ``error``: ``invalid_scope`` (code
``invalid_scope``, with the scopes asked for), ``unauthorized_client`` and the rest; refused credentials keep the
code ``bad_credentials`` with ``where["oauth_error"]``. Scopes can be widened while running
(:meth:`ClientCredentials.require`): a client asks only for what it has used so far.

:class:`OAuth1Signature` signs every request instead (OAuth 1.0a one-legged, HMAC-SHA256 by default, as the
OneRoster 1.1 specification names it), through oauthlib (``requests_oauthlib.OAuth1``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from adapters.errors import DataError, FatalError
from adapters.i18n import Translator

if TYPE_CHECKING:  # pragma: no cover
    import requests

    from .redact import Secrets

__all__ = ["CLIENT_AUTH", "ClientCredentials", "OAuth1Signature", "StaticToken", "TokenClient", "TokenProvider"]

CLIENT_AUTH = ("auto", "basic", "post")
"""Client authentication at the token endpoint (RFC 6749 §2.3.1): try Basic then the body, Basic, the body."""

_FALLBACK_STATUSES = (400, 401, 422)
"""Answers to HTTP Basic after which ``auto`` tries the form body (a 400 only with ``invalid_client`` or
``invalid_request``: servers that do not read the header say the credentials are missing)."""

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

    # A provider may also have ``request_auth``: a ``requests`` auth object that signs each request itself
    # (:class:`OAuth1Signature`); the client applies it to requests on its own origin.


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
                 client_auth: str | None = None, refresh_margin: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        """``token_type`` is sent as a form field (Open edX: ``"jwt"``); ``scheme`` overrides the header
        scheme (default: the ``token_type`` the server returns, ``JWT`` or ``Bearer``); ``client_auth`` is one of
        :data:`CLIENT_AUTH` (default ``basic`` when ``basic_auth``, else ``post``); a token is renewed
        ``refresh_margin`` seconds before it expires. Missing credentials raise ``missing_credentials`` on first
        use."""
        if client_auth is not None and client_auth not in CLIENT_AUTH:
            raise ValueError(f"client_auth must be one of {CLIENT_AUTH}, not {client_auth!r}")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = tuple(scopes)
        self.granted: tuple[str, ...] = ()
        self.token_type = token_type
        self.scheme = scheme
        self.client_auth = client_auth or ("basic" if basic_auth else "post")
        self.client_auth_used: str | None = None
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

    def require(self, scopes: Sequence[str]) -> None:
        """Ask for ``scopes`` too from now on; a cached token granted without them is dropped."""
        with self._lock:
            new = [s for s in scopes if s not in self.scopes]
            if new:
                self.scopes = (*self.scopes, *new)
                self._token = None

    def _fetch(self, client: TokenClient) -> None:
        where = {"token_url": self.token_url, "scopes": " ".join(self.scopes)}
        methods = [self.client_auth_used] if self.client_auth_used else \
            (["basic", "post"] if self.client_auth == "auto" else [self.client_auth])
        tried: list[str] = []
        for method in methods:
            tried.append(method)
            try:
                response = self._post(client, method)
            except FatalError as exc:
                error = _oauth_error(exc.body)
                refused_basic = exc.status in _FALLBACK_STATUSES and (
                    exc.status != 400 or error in ("invalid_client", "invalid_request", None))
                if method == "basic" and method != methods[-1] and refused_basic:
                    continue
                raise self._refusal(exc, error, tried, where) from exc
            self.client_auth_used = method
            break
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
        granted = payload.get("scope")
        self.granted = tuple(granted.split()) if isinstance(granted, str) else self.scopes  # RFC 6749 §5.1
        self._scheme = self.scheme or ("JWT" if kind == "jwt" else "Bearer")
        self._token = token
        margin = min(self.refresh_margin, expires_in / 2)
        self._expires_at = self.clock() + expires_in - margin

    def _post(self, client: TokenClient, method: str) -> requests.Response:
        form = {"grant_type": "client_credentials"}
        auth = None
        if method == "basic":
            auth = (self.client_id, self._client_secret)
        else:
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        if self.token_type:
            form["token_type"] = self.token_type
        return client.request("POST", self.token_url, data=form, auth=auth, authenticate=False,
                              idempotent=True, headers={"Accept": "application/json"})

    def _refusal(self, exc: FatalError, error: str | None, tried: list[str], where: dict) -> FatalError:
        """The error for a refused token request, by its RFC 6749 §5.2 ``error`` (see the module docstring)."""
        if exc.status not in (400, 401, 403, 422):
            return exc
        where = {**where, "oauth_error": error, "client_auth": "+".join(tried)}
        kwargs = {"status": exc.status, "body": exc.body, "where": where}
        if error == "invalid_scope":
            return FatalError(_("The token endpoint refused the scopes asked for (invalid_scope, HTTP {status}): "
                                "{scopes}. The client is not allowed them.").format(
                status=exc.status, scopes=where["scopes"] or "-"), code="invalid_scope", **kwargs)
        if error == "unauthorized_client":
            return FatalError(_("The token endpoint does not allow this client the client-credentials grant "
                                "(unauthorized_client, HTTP {status}).").format(status=exc.status),
                              code="unauthorized_client", **kwargs)
        if error in (None, "invalid_client", "invalid_request", "access_denied") or exc.status in (401, 422):
            return FatalError(_("The token endpoint refused the client credentials (HTTP {status}, {error}; sent "
                                "as {methods}). Check the client id and secret.").format(
                status=exc.status, error=error or "-", methods=", ".join(_METHOD_NAMES[m] for m in tried)),
                code="bad_credentials", **kwargs)
        return FatalError(_("The token endpoint refused the token request (HTTP {status}, {error}).").format(
            status=exc.status, error=error), code="token_refused", **kwargs)


_METHOD_NAMES = {"basic": "HTTP Basic", "post": "client_secret_post"}


def _oauth_error(body: str | None) -> str | None:
    """The ``error`` of an RFC 6749 §5.2 error body (JSON), if there is one."""
    try:
        data = json.loads(body or "")
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) and error else None


class OAuth1Signature:
    """OAuth 1.0a one-legged request signing (RFC 5849 §3) with the client id as consumer key and no token.

    Every request on the client's origin carries ``Authorization: OAuth oauth_consumer_key=…, oauth_signature=…``
    with a fresh nonce and timestamp, computed by oauthlib; the OneRoster 1.1 specification names HMAC-SHA256
    (some providers only check HMAC-SHA1). Nothing is fetched, so there is nothing to refresh.
    """

    def __init__(self, client_key: str, client_secret: str, *, signature_method: str = "HMAC-SHA256"):
        from requests_oauthlib import OAuth1  # imported here: only OAuth 1.0a providers need it

        self.client_key = client_key
        self.signature_method = signature_method
        self._client_secret = client_secret
        self.request_auth = OAuth1(client_key, client_secret=client_secret, signature_method=signature_method,
                                   signature_type="AUTH_HEADER")

    def __repr__(self) -> str:
        return f"OAuth1Signature(client_key={self.client_key!r}, signature_method={self.signature_method!r})"

    def header(self, client: TokenClient) -> tuple[str, dict[str, str]]:
        """No header of its own (:attr:`request_auth` signs each request); registers the secret."""
        if not self.client_key or not self._client_secret:
            raise FatalError(_("An OAuth 1.0a client key and secret are required."), code="missing_credentials")
        client.secrets.add(self._client_secret)
        return "", {}

    def invalidate(self, token: str) -> None:
        """Nothing to refresh: each attempt is signed anew."""
