"""``mooc-bridge resolve [--json] [--config FILE] URL...``: resolve platform links, one result per line.

With ``--json`` each line is one JSON object: the resource (``url``, ``platform``, ``kind``, ``ids``,
``canonical_url``, ``embed``, ``warnings``) or ``{"url", "error": {"code", "message"}}``. ``-`` reads one link
per line from standard input. Exit status: 0 every link resolved, 1 some link was refused, 2 usage error or
unreadable configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from adapters.i18n import Translator

from .config import SETTINGS_KEYS, ConfigError, ResolverConfig
from .model import PlatformResource, ResolveError
from .resolver import resolve

_ = Translator.for_package("adapters").gettext

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=_("Turn links from education, MOOC and video platforms into embeddable resources."),
        epilog=_("Exit status: 0 when every link resolved, 1 when any link was refused, 2 on a usage error."),
    )
    parser.add_argument("--json", action="store_true", help=_("print one JSON object per link (for programs)"))
    parser.add_argument("--config", metavar="FILE",
                        help=_("JSON file with the resolver settings (IFRAME_ALLOWED_HOSTS, EXTRA_PLATFORMS, "
                               "MAX_URL_LENGTH)"))
    parser.add_argument("urls", nargs="+", metavar="URL", help=_("links to resolve; '-' reads one link per line from "
                                                                 "standard input"))
    return parser


def load_config(path: str) -> ResolverConfig:
    """Read a ``--config`` file: a JSON object with the settings keys or the field names. Raises ConfigError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        message = _("Cannot read the settings file {path}: {error}").format(path=path, error=error.strerror)
        raise ConfigError(message) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(_("The settings file {path} is not valid JSON.").format(path=path)) from None
    if isinstance(data, dict) and any(key in SETTINGS_KEYS for key in data):
        return ResolverConfig.from_settings(data)
    return ResolverConfig.from_dict(data)


def _links(arguments: list[str], stdin: TextIO) -> list[str]:
    links: list[str] = []
    for argument in arguments:
        if argument == "-":
            links.extend(line.strip() for line in stdin if line.strip())
        else:
            links.append(argument)
    return links


def _readable(url: str, result: PlatformResource | ResolveError) -> str:
    if isinstance(result, ResolveError):
        return _("{url} → refused ({code}): {message}").format(url=url, code=result.code, message=result.message)
    how = _("embedded player") if result.embed.mode == "iframe" else _("link card")
    lines = [_("{url} → {platform}, {kind}, {how}: {src}").format(
        url=url, platform=result.platform_name, kind=result.kind, how=how, src=result.embed.src)]
    for warning in result.warnings:
        lines.append("  " + _("warning: {message}").format(message=warning.message))
    return "\n".join(lines)


def main(argv: list[str], prog: str = "mooc-bridge resolve") -> int:
    """Resolve every link given and print the results; return the exit status (0, 1 or 2)."""
    try:
        args = _parser(prog).parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage or the help
        return EXIT_USAGE if exit_.code else EXIT_OK
    try:
        config = load_config(args.config) if args.config else None
    except ConfigError as error:
        print(error.message, file=sys.stderr)
        return EXIT_USAGE
    if args.json and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # the contract is UTF-8 JSON lines, whatever the locale
    status = EXIT_OK
    for url in _links(args.urls, sys.stdin):
        result: PlatformResource | ResolveError
        try:
            result = resolve(url, config)
        except ResolveError as error:
            result, status = error, EXIT_REFUSED
        shown = url.strip()
        if args.json:
            payload: dict[str, Any] = (
                {"url": shown, "error": result.to_dict()} if isinstance(result, ResolveError) else result.to_json()
            )
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        else:
            print(_readable(shown, result), flush=True)
    return status
