"""Settings of the OneRoster REST adapter, and how a SPEC string becomes them.

``oneroster:https://sis.example.edu/ims/oneroster/v1p1?version=1.1`` or
``oneroster:https://sis.example.edu?version=1.2&token_url=https://sis.example.edu/oauth/token``.
The location is the provider's server URL, optionally with a service root (``/ims/oneroster/v1p1``,
``/ims/oneroster/rostering/v1p2`` or ``…/gradebook/v1p2``); the version comes from that root, else from
``version`` (default 1.2). Credentials come from the environment (``MOOC_BRIDGE_ONEROSTER_CLIENT_ID``,
``MOOC_BRIDGE_ONEROSTER_CLIENT_SECRET``), never from the SPEC.

Options: ``version``, ``token_url`` (default ``<server>/oauth/token``), ``scopes`` (short names or URIs,
space- or comma-separated, asked for in every token request; default: only what each operation needs, widened as
the run goes: a read-only run asks read scopes only, see :data:`~adapters.oneroster.spec.SCOPES`),
``client_auth`` (how the client id and secret reach the token endpoint, RFC 6749 §2.3.1: ``auto`` — HTTP Basic,
then the form body if Basic is refused —, ``basic`` or ``post``; ``basic_auth=true/false`` is the older spelling
of ``basic``/``post``), ``auth`` (``oauth2``, default, or ``oauth1``: no token, every request signed with OAuth
1.0a, as OneRoster 1.1 providers may require), ``signature_method`` (OAuth 1.0a: ``HMAC-SHA256``, default, as the
1.1 specification names it, or ``HMAC-SHA1``), ``page_size`` (``limit``, default 500), ``max_page`` (the provider's
largest page, e.g. Ed-Fi's ``MAX_PAGE_SIZE``: a shorter page then ends a listing without asking past it; never
set it above the real cap, or a capped page looks like the end), ``rate`` (requests/s, 0 = unlimited),
``timeout``, ``student_number`` (identifier | username | userid:<type> | none), ``full`` (always pull
everything: for providers that hard-delete), ``delta_margin`` (seconds taken off the new bookmark, default
300), ``bulk`` (1.2: create results with one POST per line item, default true), ``category`` and
``school`` (sourcedIds used when we create line items; 1.2 line items need a school, so ``school`` is
required when the class names none), ``verify`` (TLS).
"""

from __future__ import annotations

import os
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.errors import FatalError
from adapters.i18n import Translator
from adapters.spec_settings import build_settings, http_url

from .spec import BASE_PATHS, SCOPES, scope_uri

__all__ = ["ENV_CLIENT_ID", "ENV_CLIENT_SECRET", "OneRosterSettings"]

_ = Translator.for_package("adapters").gettext

ENV_CLIENT_ID = "MOOC_BRIDGE_ONEROSTER_CLIENT_ID"
ENV_CLIENT_SECRET = "MOOC_BRIDGE_ONEROSTER_CLIENT_SECRET"  # noqa: S105 - the variable's name

_ROOT = re.compile(r"/ims/oneroster/(?:(?:rostering|gradebook|resources)/)?(v1p[12])/?$")


class OneRosterSettings(BaseModel):
    """Everything the REST adapter needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    server: str = Field(description="the provider's server URL, without the /ims/oneroster/… root")
    version: Literal["1.1", "1.2"] = "1.2"
    token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: tuple[str, ...] = ()
    client_auth: Literal["auto", "basic", "post"] = "auto"
    basic_auth: bool | None = None
    auth: Literal["oauth2", "oauth1"] = "oauth2"
    signature_method: Literal["HMAC-SHA256", "HMAC-SHA1"] = "HMAC-SHA256"
    page_size: int = Field(default=500, ge=1, le=10_000)
    max_page: int | None = Field(default=None, ge=1, le=10_000, description="the provider's largest page, as it "
                                 "documents it (Ed-Fi: MAX_PAGE_SIZE); a shorter page then ends a listing")
    rate: float = Field(default=0.0, ge=0)
    timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    student_number: str = "identifier"
    full: bool = False
    delta_margin: float = Field(default=300.0, ge=0)
    bulk: bool = True
    category: str | None = None
    school: str | None = None
    verify: bool | str = True
    course: str | None = Field(default=None, description="the class (sourcedId) a sync SPEC names; the engine "
                               "maps every source course to it and scopes reads and writes with it")

    @field_validator("server", "token_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return http_url(value)

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes(cls, value):
        if isinstance(value, str):
            return tuple(s for s in re.split(r"[\s,]+", value) if s)
        return value

    @field_validator("verify", "basic_auth", "full", "bulk", mode="before")
    @classmethod
    def _bool(cls, value):
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
            return value.lower() in ("true", "yes", "1")
        return value

    def base(self, service: str) -> str:
        """The URL of ``service`` (``rostering`` or ``gradebook``) for this version."""
        return self.server + BASE_PATHS[self.version][service]

    @property
    def page_limit(self) -> int:
        """The ``limit`` asked for: ``page_size``, but never more than the declared ``max_page``."""
        return min(self.page_size, self.max_page or self.page_size)

    @property
    def token_endpoint(self) -> str:
        """Where tokens are fetched: ``token_url``, else ``<server>/oauth/token``."""
        return self.token_url or self.server + "/oauth/token"

    @property
    def token_client_auth(self) -> str:
        """How the client authenticates at the token endpoint: ``client_auth``, or the older ``basic_auth``."""
        if self.basic_auth is not None and "client_auth" not in self.model_fields_set:
            return "basic" if self.basic_auth else "post"
        return self.client_auth

    def scope_uris(self, *needs: str) -> list[str]:
        """The scope URIs for ``needs`` (services ``rostering``/``gradebook`` or write methods ``PUT``/``POST``/
        ``DELETE``; none: reading both services), or the SPEC's ``scopes`` when given."""
        if self.scopes:
            return [scope_uri(self.version, s) for s in self.scopes]
        table = SCOPES[self.version]
        short = [s for need in (needs or ("rostering", "gradebook")) for s in table.get(need, ())]
        return [scope_uri(self.version, s) for s in dict.fromkeys(short)]

    @classmethod
    def from_spec(cls, location: str, options: dict[str, str] | None = None,
                  env: dict[str, str] | None = None) -> OneRosterSettings:
        """Build settings from a SPEC's location and options; raise ``FatalError`` (``bad_spec``) if invalid."""
        options = dict(options or {})
        env = os.environ if env is None else env
        location = (location or "").strip().rstrip("/")
        values: dict[str, object] = {}
        match = _ROOT.search(urlsplit(location).path)
        if match:
            values["version"] = "1.1" if match.group(1) == "v1p1" else "1.2"
            location = location[: len(location) - len(match.group(0))] if location.endswith(match.group(0)) \
                else location[: location.rfind("/ims/oneroster/")]
            if "version" in options and options["version"] != values["version"]:
                raise FatalError(_("The SPEC says version {given} but its path is a OneRoster {found} root.").format(
                    given=options["version"], found=values["version"]), code="bad_spec", where={"option": "version"})
        values["server"] = location
        values.update(options)
        values.setdefault("client_id", env.get(ENV_CLIENT_ID) or None)
        values.setdefault("client_secret", env.get(ENV_CLIENT_SECRET) or None)
        return build_settings(cls, values, system="OneRoster")
