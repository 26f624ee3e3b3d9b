"""Access control of the fake OneRoster provider: tokens, client authentication, scopes, OAuth 1.0a signatures.

Each behaviour names its source:

- Token endpoint ``POST /oauth/token``, client-credentials grant (RFC 6749 §4.4). Client authentication
  (§2.3.1): ``client_auth="both"`` (default) reads HTTP Basic, else ``client_id``/``client_secret`` in the
  body; ``"post"`` reads only the body and answers a request without body credentials with **422**, as the token
  server of issue #12 item 5 did (FastAPI-style validation of required form fields); ``"basic"`` reads only
  the header (401 ``invalid_client`` otherwise, §5.2).
- Scopes (§3.3): by default the server grants what it allows of what was asked for (the server "MAY fully or
  partially ignore the scope requested") and says so in ``scope`` (§5.1). ``strict_scopes=True`` refuses a
  request with no ``scope`` (400 ``invalid_request``) or naming any scope the client was not given (400
  ``invalid_scope``), as Masterjx9/oneroster does (``app/routes/oauth.py`` ``issue_token``;
  ``OAuthClient.validate_scopes``: the asked scopes must be a subset of the client's).
- Scope per operation: 1.2 as the official OpenAPI lists them (``rostersservice.yaml``,
  ``gradebookservice.yaml``: collections and single objects accept ``roster.readonly`` or
  ``roster-core.readonly``, paths below a class only ``roster.readonly``; likewise ``gradebook.readonly`` /
  ``gradebook-core.readonly``; ``PUT`` ``gradebook.createput``, ``POST`` ``gradebook.createpost``, ``DELETE``
  ``gradebook.delete``). 1.1 as Masterjx9/oneroster checks them (``app/routes/rostering.py``,
  ``gradebooks.py``: ``roster-core.readonly`` and nothing else on the collections, ``roster.readonly`` below a
  class or school). A token without it: 403 with ``WWW-Authenticate: Bearer error="insufficient_scope"``
  (RFC 6750 §3.1) and an ``imsx`` ``forbidden``; without a live token: 401 ``unauthorisedrequest``.
- OAuth 1.0a (``oauth1=True``): ``Authorization: OAuth …`` checked as RFC 5849 §3.4 defines the signature
  (base string §3.4.1, HMAC §3.4.2, percent-encoding §3.6), written out here rather than with oauthlib so that
  the client's library is checked by an independent reading; ``oauth1_methods`` (default HMAC-SHA256, the
  method OneRoster 1.1 names; Masterjx9/oneroster accepts only HMAC-SHA1); timestamps within 600 s and nonces
  used once (§3.3). Scopes are those of the client (Masterjx9: ``default_scopes``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .oneroster_store import HttpError

__all__ = ["SCOPE", "FakeAuth"]

SCOPE = {"1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/",
         "1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/"}
_OAUTH_PARAM = re.compile(r'([\w]+)="([^"]*)"')


def needs(version: str, method: str, rest: list[str], service: str) -> tuple[str, ...]:
    """The scopes (any one of them) ``method`` on the path ``rest`` of ``service`` needs (see the docstring)."""
    if method == "PUT":
        return ("gradebook.createput",)
    if method == "POST":
        return ("gradebook.createpost",)
    if method == "DELETE":
        return ("gradebook.delete",)
    below = len(rest) > 2
    if service == "gradebook":
        return ("gradebook.readonly",) if below or version == "1.1" else ("gradebook.readonly",
                                                                          "gradebook-core.readonly")
    if version == "1.1":
        return ("roster.readonly",) if below else ("roster-core.readonly",)
    return ("roster.readonly",) if below else ("roster.readonly", "roster-core.readonly")


def _pct(text: str) -> str:
    return quote(text, safe="-._~")


def oauth1_signature(method: str, url: str, params: dict[str, str], secret: str, signature_method: str) -> str:
    """The RFC 5849 §3.4 signature of a request with no token (one-legged)."""
    parts = urlsplit(url)
    base_uri = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
    normalized = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in pairs))
    base = "&".join((method.upper(), _pct(base_uri), _pct(normalized)))
    digest = hashlib.sha256 if signature_method == "HMAC-SHA256" else hashlib.sha1
    return base64.b64encode(hmac.new((_pct(secret) + "&").encode(), base.encode(), digest).digest()).decode()


class FakeAuth:
    """Mixed into :class:`~tests.fakes.oneroster_server.FakeOneRoster`: the token endpoint and request checks."""

    version: str
    client_id: str
    client_secret: str
    allowed_scopes: set[str]
    tokens: dict[str, tuple[set[str], float]]
    tokens_ttl: float
    token_requests: int
    strict_scopes: bool = False
    client_auth: str = "both"
    oauth1: bool = False
    oauth1_methods: tuple[str, ...] = ("HMAC-SHA256",)

    def expire_tokens(self) -> None:
        """Make every issued token expire now (the next request with one gets 401)."""
        with self.lock:  # type: ignore[attr-defined]
            self.tokens = {t: (s, 0.0) for t, (s, _e) in self.tokens.items()}

    def issue_token(self, form: dict[str, str], authorization: str | None) -> dict:
        """The client-credentials grant with scopes (see the module docstring)."""
        client_id, secret = None, None
        if self.client_auth in ("both", "post"):
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if self.client_auth in ("both", "basic") and authorization and authorization.startswith("Basic "):
            client_id, _sep, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if self.client_auth == "post" and (not client_id or not secret):
            raise HttpError(422, "invalid_request", "client_id and client_secret are required form fields")
        if form.get("grant_type") != "client_credentials":
            raise HttpError(400, "unsupported_grant_type")
        if (client_id, secret) != (self.client_id, self.client_secret):
            raise HttpError(401, "invalid_client")
        asked = set((form.get("scope") or "").split())
        if self.strict_scopes and not asked:
            raise HttpError(400, "invalid_request", "scope is required")
        if self.strict_scopes and asked - self.allowed_scopes:
            raise HttpError(400, "invalid_scope", " ".join(sorted(asked - self.allowed_scopes)))
        granted = (asked or set(self.allowed_scopes)) & self.allowed_scopes
        if not granted:
            raise HttpError(400, "invalid_scope")
        token = secrets.token_urlsafe(24)
        with self.lock:  # type: ignore[attr-defined]
            self.tokens[token] = (granted, time.monotonic() + self.tokens_ttl)
            self.token_requests += 1
        return {"access_token": token, "token_type": "bearer", "expires_in": int(self.tokens_ttl),
                "scope": " ".join(sorted(granted))}

    def check_request(self, method: str, url: str, authorization: str | None, needed: tuple[str, ...]) -> None:
        """401 without a live bearer token or a valid signature; 403 when the client lacks every scope of
        ``needed``."""
        if self.oauth1:
            granted = self._check_signature(method, url, authorization)
        else:
            token = authorization[7:] if authorization and authorization.startswith("Bearer ") else None
            entry = self.tokens.get(token or "")
            if entry is None or entry[1] <= time.monotonic():
                raise HttpError(401, "unauthorisedrequest", "missing, unknown or expired access token",
                                {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            granted = entry[0]
        wanted = {SCOPE[self.version] + n for n in needed}
        if not wanted & granted:
            raise HttpError(403, "forbidden", "the token lacks the scope " + " or ".join(needed),
                            {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(wanted)}"'})

    def _check_signature(self, method: str, url: str, authorization: str | None) -> set[str]:
        if not authorization or not authorization.startswith("OAuth "):
            raise HttpError(401, "unauthorisedrequest", "an OAuth 1.0a signature is required")
        params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(authorization)}
        if params.get("oauth_consumer_key") != self.client_id:
            raise HttpError(401, "unauthorisedrequest", "unknown consumer key")
        kind = params.get("oauth_signature_method", "")
        if kind not in self.oauth1_methods:
            raise HttpError(401, "unauthorisedrequest", f"unsupported signature method {kind!r}")  # as Masterjx9
        stamp, nonce = params.get("oauth_timestamp", ""), params.get("oauth_nonce", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 600 or not nonce:
            raise HttpError(401, "unauthorisedrequest", "stale timestamp or no nonce")
        used = self.__dict__.setdefault("_nonces", set())
        if (stamp, nonce) in used:
            raise HttpError(401, "unauthorisedrequest", "nonce used before")
        expected = oauth1_signature(method, url, params, self.client_secret, kind)
        if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
            raise HttpError(401, "unauthorisedrequest", "bad signature")
        used.add((stamp, nonce))
        return set(self.allowed_scopes)
