"""``mooc-bridge workbench``: the XBlock workbench with the demo content, on SQLite and a local folder."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from adapters.i18n import Translator

_ = Translator.for_package("xblocks").gettext


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Return the parser of ``mooc-bridge workbench``."""
    parser = argparse.ArgumentParser(prog=prog, description=_("Start the XBlock workbench with the demo content."))
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: %(default)s)"))
    parser.add_argument("--port", type=int, default=8000, help=_("port to listen on (default: %(default)s)"))
    parser.add_argument("--home", help=_("folder for the database, log and package storage (default: ./var)"))
    parser.add_argument("--reload", action="store_true", help=_("restart when the code changes"))
    parser.add_argument("--scorm", action="append", default=[], metavar="PKG.zip",
                        help=_("import a SCORM package and add a scenario for it (repeatable)"))
    parser.add_argument("--scorm-content-origin", metavar="URL",
                        help=_("serve SCORM package files from this other origin of the same server, e.g. "
                               "http://localhost:8000 when the workbench is opened as http://127.0.0.1:8000"))
    parser.add_argument("--no-demo-scorm", action="store_true",
                        help=_("leave out the small SCORM course that comes with mooc-bridge"))
    return parser


def setup_django(home: str | None = None) -> None:
    """Point Django at the workbench settings, set it up and bring the SQLite database up to date."""
    if home:
        os.environ["MOOC_BRIDGE_HOME"] = os.path.abspath(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xblocks.workbench.settings")
    import django
    from django.core.management import call_command

    django.setup()
    # the SDK's own app has no migrations: run_syncdb creates its tables
    call_command("migrate", interactive=False, run_syncdb=True, verbosity=0)


def main(argv: list[str], prog: str = "mooc-bridge workbench") -> int:
    """Migrate the database and serve the workbench until interrupted."""
    args = build_parser(prog).parse_args(argv)
    if args.scorm_content_origin:
        os.environ["MOOC_BRIDGE_SCORM_CONTENT_ORIGIN"] = args.scorm_content_origin  # read by the settings
    setup_django(args.home)
    from django.conf import settings
    from django.core.management import call_command

    from xblocks.scorm.workbench import demo_zip, home, register_packages

    store = settings.XBLOCK_SETTINGS["mooc_bridge_scorm"]["STORAGE_ROOT"]
    packages = ([] if args.no_demo_scorm else [str(demo_zip(home()))]) + args.scorm
    entries, problems = register_packages(packages, Path(store))
    for problem in problems:
        print(_("Not added: {problem}").format(problem=problem), file=sys.stderr)
    if entries:
        print(_("SCORM packages ready: {count}").format(count=len(entries)), flush=True)

    print(_("Workbench on http://{host}:{port}/ (Ctrl-C stops it)").format(host=args.host, port=args.port), flush=True)
    options = {"use_reloader": args.reload, "use_threading": True}
    call_command("runserver", f"{args.host}:{args.port}", **options)
    return 0
