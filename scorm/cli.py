"""``mooc-bridge scorm``: inspect and validate SCORM packages (and, from :mod:`scorm.olx`, import them).

* ``mooc-bridge scorm inspect [--json] PKG`` prints the package summary; with ``--json`` exactly the
  object of docs/decisions/0006 (``type``, ``version``, ``title``, ``default_organization``, ``items``,
  ``scos``, ``assets``, ``sequencing``, ``launch``, ``sha256``, ``errors``, ``warnings``).
* ``mooc-bridge scorm validate PKG`` prints the same findings as a readable report.

Exit codes: 0 valid, 1 invalid or refused, 2 unreadable input or usage error. Nothing is extracted
(the package is read in place). A progress bar shows on stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from scorm.inspect import exit_code, inspect_package
from scorm.model import Issue, ValidationReport
from scorm.progress import terminal_progress

__all__ = ["build_parser", "format_report", "main"]

_ = Translator.for_package("scorm").gettext

_TYPE_NAMES = {
    "scorm": N_("SCORM"), "cmi5": N_("cmi5"), "xapi": N_("xAPI (Tin Can)"), "aicc": N_("AICC"),
    "unknown": N_("not a recognised package"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so :func:`main` returns the exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(_("{prog}: error: {message}").format(prog=self.prog, message=message), file=sys.stderr)
        raise SystemExit(2)


def build_parser(prog: str, extra_commands: Sequence[Callable[[Any], None]] = ()) -> argparse.ArgumentParser:
    """Return the parser of ``mooc-bridge scorm`` with its sub-commands.

    ``extra_commands`` add further sub-commands that need more than this package: ``import``, which can
    upload to Studio, is added by :mod:`xblocks.scorm_import` (the ``mooc-bridge`` command passes it in).
    """
    parser = _Parser(prog=prog, description=_("Inspect, validate and import SCORM packages."))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    inspect = subparsers.add_parser("inspect", help=_("summarise a package (JSON with --json)"),
                                    description=_("Check a package without extracting it and summarise it."))
    inspect.add_argument("--json", action="store_true", help=_("print the summary as one JSON object"))
    inspect.add_argument("package", metavar="PKG", help=_("a .zip file or an extracted folder"))
    inspect.set_defaults(func=_run_inspect)
    validate = subparsers.add_parser("validate", help=_("print a readable validation report"),
                                     description=_("Check a package without extracting it and list every "
                                                   "problem found."))
    validate.add_argument("package", metavar="PKG", help=_("a .zip file or an extracted folder"))
    validate.set_defaults(func=_run_validate)
    for add_command in extra_commands:
        add_command(subparsers)
    return parser


def _check(path: str) -> ValidationReport:
    return inspect_package(path, progress=terminal_progress())


def _run_inspect(args: argparse.Namespace) -> int:
    report = _check(args.package)
    if args.json:
        print(json.dumps(report.to_contract(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, details=False))
    return exit_code(report)


def _run_validate(args: argparse.Namespace) -> int:
    report = _check(args.package)
    print(format_report(report))
    return exit_code(report)




def _where(issue: Issue) -> str:
    parts = []
    where = issue.where
    if where.file:
        parts.append(_("file {file}").format(file=where.file))
    if where.line:
        parts.append(_("line {line}").format(line=where.line))
    if where.item:
        parts.append(_("item {item}").format(item=where.item))
    if where.resource:
        parts.append(_("resource {resource}").format(resource=where.resource))
    return "; ".join(parts)


def format_report(report: ValidationReport, details: bool = True) -> str:
    """Return the report as text for a person: what the package is, then every error and warning, then the verdict."""
    summary: dict[str, Any] = report.to_contract()
    lines = [_("Package: {name}").format(name=report.source or "?")]
    kind = _(_TYPE_NAMES.get(report.type, _TYPE_NAMES["unknown"]))
    if summary["version"]:
        kind = "{kind} {version}".format(kind=kind, version=summary["version"])
    lines.append(_("Type: {kind}").format(kind=kind))
    if summary["title"]:
        lines.append(_("Title: {title}").format(title=summary["title"]))
    if report.package is not None:
        lines.append(_("Default organization: {name}").format(name=summary["default_organization"] or "-"))
        lines.append(_("Items: {items}, SCOs: {scos}, assets: {assets}, sequencing: {sequencing}").format(
            items=summary["items"], scos=summary["scos"], assets=summary["assets"],
            sequencing=_("yes") if summary["sequencing"] else _("no")))
        lines.append(_("Launch: {launch}").format(launch=summary["launch"] or "-"))
    if summary["sha256"]:
        lines.append(_("sha256: {sha256}").format(sha256=summary["sha256"]))
    for title, issues, mark in ((_("Errors"), report.errors, "✗"), (_("Warnings"), report.warnings, "!")):
        if not issues:
            continue
        if not details and title == _("Warnings"):
            lines.append(_("{count} warning(s); run 'validate' to see them.").format(count=len(issues)))
            continue
        lines.append("")
        lines.append(f"{title} ({len(issues)}):")
        for issue in issues:
            where = _where(issue)
            lines.append(f"  {mark} [{issue.code}] {issue.message}")
            if where:
                lines.append(f"      ({where})")
    lines.append("")
    code = exit_code(report)
    verdict = {0: _("Valid: the package can be imported."), 2: _("Unreadable: this is not a package that can be read."),
               1: _("Not valid: the package cannot be imported as it is.")}[code]
    lines.append(verdict)
    return "\n".join(lines)


def main(argv: list[str], prog: str = "mooc-bridge scorm",
         extra_commands: Sequence[Callable[[Any], None]] = ()) -> int:
    """Run ``mooc-bridge scorm`` with ``argv``; return the exit code (0 valid, 1 invalid/refused, 2 unreadable)."""
    parser = build_parser(prog, extra_commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0) if isinstance(stop.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return 2
    except Exception as error:  # a defect, not bad input: say so without a traceback (MOOC_BRIDGE_DEBUG shows it)
        if os.environ.get("MOOC_BRIDGE_DEBUG"):
            raise
        print(_("mooc-bridge scorm: unexpected error ({error}); please report it.").format(
            error=type(error).__name__), file=sys.stderr)
        return 1
