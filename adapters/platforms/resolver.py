"""``resolve(url)``: a pasted link → a :class:`~.model.PlatformResource`, or a :class:`~.model.ResolveError`.

Pure: no network, no files, no Django. The link is checked (:mod:`.urlcheck`), its host looked up in the
catalog, the platform's first matching rule gives kind, ids and canonical URL; the embed is an iframe only
for a public id-based player, an operator-approved host or platform, else a card opening the canonical URL.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from . import errors, hosts, lookalike, notices, urlcheck
from .config import ResolverConfig
from .model import Embed, PlatformResource, ResolveError
from .rules import Platform, page_url

log = logging.getLogger(__name__)

DEFAULT_CONFIG = ResolverConfig()
# The only hosts a platform's own player URL may point to (the public, id-based players).
PLAYER_HOSTS = frozenset({"player.bilibili.com", "v.qq.com"})


def resolve(url: str, config: ResolverConfig | None = None) -> PlatformResource:
    """Resolve ``url`` (as pasted; surrounding whitespace ignored) against the catalog and ``config``.

    Returns a :class:`PlatformResource`; raises :class:`ResolveError` (and nothing else) when the link is
    refused, with a stable ``code`` and a plain-language ``message``. Never fetches anything.
    """
    if url is None:
        raise errors.refuse(errors.EMPTY_URL)
    if not isinstance(url, str):
        raise errors.refuse(errors.MALFORMED_URL)
    config = config or DEFAULT_CONFIG
    try:
        return _resolve(url, config)
    except ResolveError:
        raise
    except (ValueError, UnicodeError) as error:  # defence in depth: odd input must never escape as a traceback
        log.warning("unexpected %s while resolving a link; refused as malformed", type(error).__name__)
        raise errors.refuse(errors.MALFORMED_URL) from error


def _resolve(url: str, config: ResolverConfig) -> PlatformResource:
    checked = urlcheck.check(url, config.max_url_length)
    platforms = config.platforms() if config is not DEFAULT_CONFIG else _builtin()
    platform = next((candidate for candidate in platforms if candidate.owns(checked.host)), None)
    if platform is None:
        raise _refusal(checked, platforms)
    matched = platform.first_match(checked)
    if matched is not None:
        rule, found = matched
        kind, ids, canonical = rule.kind, found.ids, rule.canonical_url(found)
        player = rule.player(found) if rule.player else None
        warnings = rule.warn(found) if rule.warn else []
    else:
        kind, ids, canonical, player = platform.fallback_kind, {}, page_url(checked), None
        warnings = [notices.warning(notices.UNRECOGNISED_LINK, notices.UNRECOGNISED)] if platform.rules else []
    return PlatformResource(
        url=checked.original,
        platform=platform.id,
        platform_name=platform.display_name(),
        kind=kind,
        ids=ids,
        canonical_url=canonical,
        embed=_embed(platform, canonical, player, config),
        warnings=warnings,
    )


def _builtin() -> tuple[Platform, ...]:
    from .registry import BUILTIN

    return BUILTIN


def _embed(platform: Platform, canonical: str, player: str | None, config: ResolverConfig) -> Embed:
    if player is not None:
        parts = urlsplit(player)
        if parts.scheme == "https" and parts.hostname in PLAYER_HOSTS:
            return Embed(mode="iframe", src=player)
        log.error("platform %s built a player URL outside the player hosts; showing a card", platform.id)
    canonical_host = urlsplit(canonical).hostname or ""
    if platform.embed == "iframe" or hosts.matches_any(canonical_host, config.iframe_allowed_hosts):
        return Embed(mode="iframe", src=canonical)
    return Embed(mode="card", src=canonical)


def _refusal(checked: urlcheck.CheckedUrl, platforms) -> ResolveError:
    # Hosts allow-listed for framing are the operator's own; other names under the same domain are not look-alikes.
    platforms = [platform for platform in platforms if platform.id != "allowlisted"]
    imitated = lookalike.imitated_by_host(checked, platforms)
    if imitated is not None:
        return errors.refuse(errors.LOOKALIKE_HOST, host=checked.host, platform=imitated.display_name())
    imitated = lookalike.imitated_in_rest(checked, platforms)
    if imitated is not None:
        return errors.refuse(errors.LOOKALIKE_HOST, errors.LOOKALIKE_IN_PATH, host=checked.host,
                             platform=imitated.display_name())
    return errors.refuse(errors.UNKNOWN_HOST, host=checked.host)
