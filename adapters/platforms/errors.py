"""Every reason the resolver refuses a link: one stable code each, and the sentence a person reads.

Codes are part of the contract (``mooc-bridge resolve`` prints them, the embed block shows the message);
add new ones, never rename.
"""

from __future__ import annotations

from typing import Any

from adapters.i18n import gettext_noop as N_

from .model import ResolveError

EMPTY_URL = "empty_url"
URL_TOO_LONG = "url_too_long"
INVALID_CHARACTERS = "invalid_characters"
UNSUPPORTED_SCHEME = "unsupported_scheme"
MALFORMED_URL = "malformed_url"
USERINFO_NOT_ALLOWED = "userinfo_not_allowed"
INVALID_PORT = "invalid_port"
PORT_NOT_ALLOWED = "port_not_allowed"
IP_ADDRESS_NOT_ALLOWED = "ip_address_not_allowed"
LOCALHOST_NOT_ALLOWED = "localhost_not_allowed"
INVALID_HOST = "invalid_host"
LOOKALIKE_HOST = "lookalike_host"
UNKNOWN_HOST = "unknown_host"

MESSAGES: dict[str, str] = {
    EMPTY_URL: N_("The link is empty. Paste the address of the page you want to use."),
    URL_TOO_LONG: N_(
        "The link is too long ({length} characters; at most {limit} are accepted). "
        "Copy the address of the page again from the browser's address bar."
    ),
    INVALID_CHARACTERS: N_(
        "The link contains spaces, line breaks or invisible characters. "
        "Copy the address of the page again from the browser's address bar."
    ),
    UNSUPPORTED_SCHEME: N_("Only web links that start with https:// or http:// can be used, not “{scheme}:” links."),
    MALFORMED_URL: N_(
        "This is not a complete web address. Copy the link from the browser's address bar; it starts with https://."
    ),
    USERINFO_NOT_ALLOWED: N_(
        "The link contains a user name or password before the site name (the part ending in “@”). "
        "Such links can disguise where they lead, so they are refused."
    ),
    INVALID_PORT: N_("The port number after the site name is not valid."),
    PORT_NOT_ALLOWED: N_(
        "The link uses the unusual port {port}. Platforms serve their pages on the standard web ports; "
        "remove “:{port}” from the link."
    ),
    IP_ADDRESS_NOT_ALLOWED: N_("Links to a bare IP address are refused. Use the platform's web address instead."),
    LOCALHOST_NOT_ALLOWED: N_(
        "Links to a local computer (localhost) are refused. Use the platform's public web address."
    ),
    INVALID_HOST: N_("The site name in the link is not valid."),
    LOOKALIKE_HOST: N_(
        "The site {host} only looks like {platform}. It is not the real platform, so the link is refused."
    ),
    UNKNOWN_HOST: N_(
        "{host} is not one of the supported platforms. "
        "If your school uses it, ask the site administrator to add it."
    ),
}

# A second wording for one code: the platform's address hides in the path of another site's link.
LOOKALIKE_IN_PATH = N_(
    "This link leads to {host}, not to {platform}; the platform's address only appears later in the link. "
    "Copy the link from the platform's own page."
)


def refuse(code: str, message_id: str | None = None, **params: Any) -> ResolveError:
    """Return the :class:`ResolveError` for ``code`` (with its standard message unless ``message_id`` is given)."""
    return ResolveError(code, message_id or MESSAGES[code], **params)
