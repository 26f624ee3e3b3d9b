"""How the OneRoster client gets access, asks for scopes, and explains refusals.

- **OAuth 2.0** (default): client-credentials tokens from ``token_url`` (:class:`~adapters.http.ClientCredentials`),
  the client authenticated as RFC 6749 §2.3.1 allows (``client_auth``: HTTP Basic, then the form body when
  Basic is refused, remembered for the run; or one of them). Scopes are asked for as the run needs them: the
  first rostering read asks for the rostering read scopes, the first gradebook read adds the gradebook one,
  the first write adds the write scope of its method (:data:`~adapters.oneroster.spec.SCOPES`), so a read-only
  run never asks for write scopes and a strict token server (one that refuses a request naming any scope the
  client was not given, RFC 6749 §5.2 ``invalid_scope``) serves it. ``scopes`` in the SPEC fixes the list.
- **OAuth 1.0a** (``auth=oauth1``): no token; every request is signed (HMAC-SHA256 unless
  ``signature_method=HMAC-SHA1``) with the client id as consumer key (:class:`~adapters.http.OAuth1Signature`).
- **Refusals** say what they are and what to do: ``invalid_scope`` (the scopes asked for, and the SPEC option),
  ``invalid_client`` (client id or secret, and how they were sent), a 401 on a resource (token or signature not
  accepted), a 403 (the scope that operation needs and the scopes the token was granted).
"""

from __future__ import annotations

from typing import Any

from adapters.errors import AdapterError, FatalError
from adapters.http import ClientCredentials, OAuth1Signature
from adapters.i18n import Translator

from .settings import ENV_CLIENT_ID, ENV_CLIENT_SECRET, OneRosterSettings
from .spec import SCOPES, scope_uri

__all__ = ["Access"]

_ = Translator.for_package("adapters").gettext

_METHODS = {"basic": "HTTP Basic", "post": "client_secret_post"}


class Access:
    """The credentials of one provider and the words for their refusals."""

    def __init__(self, settings: OneRosterSettings):
        self.settings = settings
        secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
        self.auth: ClientCredentials | OAuth1Signature
        if settings.auth == "oauth1":
            self.auth = OAuth1Signature(settings.client_id or "", secret, signature_method=settings.signature_method)
        else:
            self.auth = ClientCredentials(settings.token_endpoint, settings.client_id or "", secret,
                                          scopes=settings.scopes and settings.scope_uris(),
                                          client_auth=settings.token_client_auth)

    def need(self, service: str, method: str = "GET") -> None:
        """Make sure the next token carries the scopes of ``method`` on ``service`` (see the module docstring)."""
        if isinstance(self.auth, ClientCredentials) and not self.settings.scopes:
            self.auth.require(self.settings.scope_uris(service if method == "GET" else method))

    def needed(self, service: str, method: str) -> str:
        """The scope URIs ``method`` on ``service`` needs, for messages."""
        version = self.settings.version
        return " ".join(scope_uri(version, s) for s in SCOPES[version].get(service if method == "GET" else method, ()))

    def refine(self, exc: AdapterError, service: str, method: str, what: str) -> AdapterError | None:
        """A OneRoster error for a refused token request, 401 or 403; ``None`` for any other error."""
        settings = self.settings
        kwargs: dict[str, Any] = {"status": exc.status, "body": exc.body,
                                  "where": {**exc.where, "server": settings.server, "endpoint": what}}
        asked = " ".join(getattr(self.auth, "scopes", ()))
        if exc.code == "invalid_scope":
            text = _("The OneRoster token endpoint {url} refused the scopes asked for (invalid_scope): {scopes}. "
                     "The client was not given them: ask the provider to grant them to this client, or list the "
                     "scopes it has with scopes= in the SPEC (then only those are asked for).")
            return FatalError(text.format(url=settings.token_endpoint, scopes=asked), code="invalid_scope", **kwargs)
        if exc.code == "bad_credentials":
            text = _("The OneRoster token endpoint {url} did not accept the client id and secret (HTTP {status}, "
                     "{error}; sent as {methods}). Check {id_var} and {secret_var}, and token_url; if the "
                     "provider takes the credentials only one way, set client_auth=basic or client_auth=post.")
            return FatalError(text.format(url=settings.token_endpoint, status=exc.status,
                                          error=exc.where.get("oauth_error") or "-",
                                          methods=", ".join(_METHODS.get(m, m) for m in
                                                            str(exc.where.get("client_auth", "?")).split("+")),
                                          id_var=ENV_CLIENT_ID, secret_var=ENV_CLIENT_SECRET),
                              code="invalid_client", **kwargs)
        if exc.status == 401 and isinstance(self.auth, OAuth1Signature):
            text = _("The OneRoster provider {server} did not accept the OAuth 1.0a signature of {method} {what} "
                     "(HTTP 401). Check {id_var} (the consumer key) and {secret_var}, the signature method "
                     "({signature}; some providers check only HMAC-SHA1: signature_method=HMAC-SHA1), and this "
                     "computer's clock.")
            return FatalError(text.format(server=settings.server, method=method, what=what, id_var=ENV_CLIENT_ID,
                                          secret_var=ENV_CLIENT_SECRET, signature=settings.signature_method),
                              code=exc.code if exc.code == "unauthorisedrequest" else "unauthorized", **kwargs)
        if exc.status == 401:
            text = _("The OneRoster provider {server} did not accept a freshly fetched access token for {method} "
                     "{what} (HTTP 401). Check that token_url ({url}) is this provider's token endpoint, and that "
                     "the provider takes OAuth 2.0 bearer tokens (else auth=oauth1).")
            return FatalError(text.format(server=settings.server, method=method, what=what,
                                          url=settings.token_endpoint),
                              code=exc.code if exc.code == "unauthorisedrequest" else "unauthorized", **kwargs)
        if exc.status == 403 and exc.code in ("forbidden", "unauthorisedrequest"):
            granted = " ".join(getattr(self.auth, "granted", ())) or "-"
            needed = self.needed(service, method)
            kwargs["where"].update(needed_scopes=needed, granted_scopes=granted)
            text = _("The OneRoster provider {server} refused {method} {what} (HTTP 403): the client lacks the "
                     "scope it needs, {needed}. The token was granted: {granted}. Ask the provider to grant this "
                     "client {needed}; if scopes= in the SPEC leaves it out, add it there.")
            return FatalError(text.format(server=settings.server, method=method, what=what, needed=needed,
                                          granted=granted), code="forbidden", **kwargs)
        return None
