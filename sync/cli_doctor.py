"""``mooc-bridge doctor openedx:URL[?course=…&program=…&studio=…&bulk_enroll=true] [--json]``: a preflight.

Runs :func:`adapters.openedx.doctor.run_checks` and prints one line per check (pass, fail, warn, skip) with the
setting or command that fixes a failure; ``--json`` prints one JSON object ``{"target", "ok", "checks": [{name,
status, message, fix}]}``. Credentials come from the environment as for ``mooc-bridge sync``. Exit codes as every
command: 0 nothing failed, 1 some check failed, 2 usage error or a SPEC that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys

from adapters.errors import AdapterError
from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

from .specs import SpecError, parse_spec

__all__ = ["main"]

_ = Translator.for_package("sync").gettext

MARKS = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "-"}
WORDS = {"pass": N_("pass"), "fail": N_("FAIL"), "warn": N_("warn"), "skip": N_("skip")}


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=_("Check an Open edX LMS before the first sync: token, staff rights, the accounts "
                                 "API, the writable gradebook, bulk enrollment, programs and Studio's import API."),
        epilog=_("Exit status: 0 when no check failed, 1 when one did, 2 on a usage error."))
    parser.add_argument("spec", metavar="SPEC", help=_("openedx:https://lms.example.edu?course=course-v1:…"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object (for programs)"))
    return parser


def main(argv: list[str], prog: str = "mooc-bridge doctor") -> int:
    """Run the checks; return 0, 1 or 2."""
    try:
        args = _parser(prog).parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code else 0
    from adapters.openedx.doctor import run_checks
    from adapters.openedx.settings import OpenEdxSettings

    try:
        spec = parse_spec(args.spec)
        if spec.scheme != "openedx":
            raise SpecError(_("mooc-bridge doctor checks an Open edX LMS: give openedx:https://…"), "not_openedx")
        settings = OpenEdxSettings.from_spec(spec.location, spec.options)
    except (SpecError, AdapterError) as error:
        print(getattr(error, "message", str(error)), file=sys.stderr)
        return 2
    checks = run_checks(settings)
    failed = any(c.status == "fail" for c in checks)
    if args.json:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8")
        print(json.dumps({"target": settings.lms_url, "ok": not failed, "checks": [c.to_dict() for c in checks]},
                         ensure_ascii=False))
    else:
        for check in checks:
            print(f"{MARKS[check.status]} {_(WORDS[check.status]):<5} {check.name}: {check.message}")
            if check.fix and check.status in ("fail", "warn"):
                print("    " + _("fix: {fix}").format(fix=check.fix))
    return 1 if failed else 0
