"""``mooc-bridge sync``: roster and grade sync from the command line.

    mooc-bridge sync roster|grades --from SPEC --to SPEC [--dry-run] [--json] [--report FILE]
                                   [--unenroll] [--force] [--match email,phone] [--workers N]
                                   [--celery [--chunk-size N] [--wait]]
    mooc-bridge sync resume RUN [--json] [--report FILE] [--celery [--wait]]
    mooc-bridge sync approve RUN [--json] [--report FILE] [--celery [--wait]]
    mooc-bridge sync discard RUN
    mooc-bridge sync runs [--json] [--limit N]
    mooc-bridge sync status RUN [--json] [--wait] [--timeout SECONDS]
    mooc-bridge sync report RUN [--json] [--report FILE]

``--celery`` journals the run and hands it to the Celery workers (plan task, then chunk tasks), prints the
run number and returns; ``--wait`` follows its progress until it ends. The Celery app is the current one
(inside the LMS: the LMS's), or the one ``MOOC_BRIDGE_CELERY_APP`` names (``module:attribute``).

A run that would unenroll more than 10% of the target's active enrollments, or change or remove more than 50%
of its records, holds for approval: its plan is saved and printed, nothing is written, and the exit code is 3.
``approve RUN`` applies exactly that plan (re-reading each record first); ``discard RUN`` drops it;
``--max-unenroll PCT`` / ``--max-change PCT`` raise the limits for one run (docs/decisions/0022).

Exit codes: 0 done; 1 refused, interrupted, or some operations failed (they are listed); 2 usage error or
unreadable input; 3 held for approval. No traceback reaches the user (``MOOC_BRIDGE_DEBUG=1`` shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from adapters.errors import AdapterError
from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

from .cli_show import Refused as _Refused
from .cli_show import SafeStream
from .cli_show import emit as _emit
from .cli_show import runs as _runs
from .cli_show import status as _status
from .cli_show import status_code as _status_code

_ = Translator.for_package("sync").gettext

__all__ = ["main"]

PHASES = {"read": N_("reading"), "plan": N_("planning"), "verify": N_("re-reading"), "write": N_("writing")}


class _Usage(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def exit(self, status: int = 0, message: str | None = None):
        if message:
            sys.stderr.write(message)
        raise _Usage(status)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description=_("Sync rosters and grades between systems."))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for kind, help_text in (("roster", _("put the source's enrollments into the target")),
                            ("grades", _("put the source's grades into the target"))):
        p = sub.add_parser(kind, help=help_text, description=help_text)
        p.add_argument("--from", dest="source", required=True, metavar="SPEC",
                       help=_("where to read, e.g. xlsx:grades.xlsx?profile=icourse163"))
        p.add_argument("--to", dest="target", required=True, metavar="SPEC",
                       help=_("where to write, e.g. openedx:https://lms.example.edu?course=course-v1:Org+C+R"))
        p.add_argument("--dry-run", action="store_true", help=_("print the plan and change nothing"))
        p.add_argument("--unenroll", action="store_true", help=_("unenroll learners the source no longer lists"))
        p.add_argument("--delta", action="store_true",
                       help=_("read only what the source changed since the last finished run (OneRoster)"))
        p.add_argument("--force", action="store_true",
                       help=_("overwrite grades that are newer or were set by hand in the target"))
        p.add_argument("--match", default="", metavar="KEYS",
                       help=_("also match people by these keys when the 学号 finds nobody: email,phone,username"))
        p.add_argument("--course-map", action="append", default=[], metavar="SRC=DST",
                       help=_("send source course SRC to target course DST (repeatable)"))
        p.add_argument("--item-map", action="append", default=[], metavar="SRC=DST",
                       help=_("send source grade item SRC to target item DST (repeatable)"))
        p.add_argument("--max-unenroll", type=float, default=None, metavar="PCT",
                       help=_("hold for approval only when more than PCT%% of the active enrollments would be removed "
                              "(default 10)"))
        p.add_argument("--max-change", type=float, default=None, metavar="PCT",
                       help=_("hold for approval only when more than PCT%% of the target's records would be changed "
                              "or removed (default 50)"))
        _common(p)
    p = sub.add_parser("resume", help=_("finish an interrupted run"), description=_("finish an interrupted run"))
    p.add_argument("run", type=int, metavar="RUN")
    _common(p)
    p = sub.add_parser("approve", help=_("apply the plan of a run held for approval"),
                       description=_("apply the plan of a run held for approval"))
    p.add_argument("run", type=int, metavar="RUN")
    _common(p)
    p = sub.add_parser("discard", help=_("drop the plan of a run held for approval"),
                       description=_("drop the plan of a run held for approval"))
    p.add_argument("run", type=int, metavar="RUN")
    p = sub.add_parser("report", help=_("show the report of a run"), description=_("show the report of a run"))
    p.add_argument("run", type=int, metavar="RUN")
    p.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    p.add_argument("--report", metavar="FILE", help=_("write the report to FILE (.html or .json)"))
    p = sub.add_parser("status", help=_("show the progress of a run"), description=_("show the progress of a run"))
    p.add_argument("run", type=int, metavar="RUN")
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.add_argument("--wait", action="store_true", help=_("follow the run until it ends"))
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help=_("stop waiting after SECONDS"))
    p = sub.add_parser("runs", help=_("list recent runs"), description=_("list recent runs"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.add_argument("--limit", type=int, default=20, help=_("how many runs to list"))
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    p.add_argument("--report", metavar="FILE", help=_("write the report to FILE (.html or .json)"))
    p.add_argument("--workers", type=int, default=4, metavar="N", help=_("write N batches at once"))
    p.add_argument("--batch-size", type=int, default=None, metavar="N", help=_("changes per batch"))
    p.add_argument("--celery", action="store_true", help=_("run on the Celery workers and return at once"))
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help=_("with --celery: operations per worker task"))
    p.add_argument("--wait", action="store_true", help=_("with --celery: follow the run until it ends"))


def _setup() -> None:
    """Configure Django: the LMS's or the caller's settings if set, else the standalone SQLite journal."""
    import django
    from django.conf import settings

    standalone = False
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        os.environ["DJANGO_SETTINGS_MODULE"] = "sync.settings"
        standalone = True
    django.setup()
    if standalone:
        from django.core.management import call_command

        from . import settings as standalone_settings

        standalone_settings.HOME.mkdir(parents=True, exist_ok=True)
        call_command("migrate", "mooc_bridge_sync", verbosity=0, interactive=False)


class _Bars:
    """tqdm progress bars on a terminal; nothing when stderr is not one."""

    def __init__(self, enabled: bool, out=None):
        self.enabled = enabled
        self.out = out or sys.stderr
        self.bars: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = tqdm(total=total or None, desc=_(PHASES.get(phase, phase)), unit="",
                                          file=self.out, leave=False)
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if not total:
            bar.refresh()  # a count with no end (records read): the reader calls at most every 0.2 s, show each

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    mapping = {}
    for value in values:
        src, sep, dst = value.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise _Refused(_("{flag} takes SRC=DST, not {value!r}.").format(flag=flag, value=value), 2)
        mapping[src.strip()] = dst.strip()
    return mapping


def _run(args, bars: _Bars) -> int:
    from .runner import SyncOptions, resume, run_sync
    from .specs import open_spec, parse_spec

    if getattr(args, "celery", False):
        _celery_app()
    if args.command in ("roster", "grades"):
        source_spec, target_spec = parse_spec(args.source), parse_spec(args.target)
        match = tuple(k.strip() for k in args.match.split(",") if k.strip())
        bad = [k for k in match if k not in ("email", "phone", "username")]
        if bad:
            raise _Refused(_("--match takes email, phone or username, not {keys}.").format(keys=", ".join(bad)), 2)
        if args.workers < 1 or any(v is not None and v < 1 for v in (args.batch_size, args.chunk_size)):
            raise _Refused(_("--workers, --batch-size and --chunk-size must be at least 1."), 2)
        if any(v is not None and not 0 <= v <= 100 for v in (args.max_unenroll, args.max_change)):
            raise _Refused(_("--max-unenroll and --max-change take a percentage from 0 to 100."), 2)
        options = SyncOptions(dry_run=args.dry_run, unenroll=args.unenroll, force=args.force, match=match,
                              workers=args.workers, batch_size=args.batch_size, source_spec=str(source_spec),
                              target_spec=str(target_spec), source_course=source_spec.options.get("course"),
                              target_course=target_spec.options.get("course"),
                              course_map=_pairs(args.course_map, "--course-map"),
                              item_map=_pairs(args.item_map, "--item-map"), delta=args.delta,
                              max_unenroll=args.max_unenroll, max_change=args.max_change)
        if args.celery:
            from .tasks import enqueue_sync

            run = enqueue_sync(args.command, str(source_spec), str(target_spec), options, chunk_size=args.chunk_size)
            return _queued(args, run)
        with open_spec(source_spec) as source, open_spec(target_spec) as target:
            run = run_sync(args.command, source, target, options, progress=bars)
        data = run.report_data
    elif args.command == "resume" and args.celery:
        from .tasks import enqueue_resume

        return _queued(args, enqueue_resume(args.run, chunk_size=args.chunk_size))
    elif args.command == "approve" and args.celery:
        from .tasks import enqueue_approve

        return _queued(args, enqueue_approve(args.run, chunk_size=args.chunk_size))
    elif args.command == "approve":
        from .approval import approve
        from .report import from_journal

        data = from_journal(approve(args.run, progress=bars))
    elif args.command == "discard":
        from .approval import discard

        print(_("Run {run} was discarded: nothing of its plan will be written.").format(run=discard(args.run).pk))
        return 0
    elif args.command == "status":
        return _status(args.run, args.json, args.wait, args.timeout)
    elif args.command == "resume":
        run = resume(args.run, progress=bars)
        from .report import from_journal

        data = from_journal(run)
    elif args.command == "report":
        from .journal import settle
        from .models import SyncRun
        from .report import from_journal

        run = SyncRun.objects.filter(pk=args.run).first()
        if run is None:
            raise _Refused(_("There is no sync run {run}.").format(run=args.run), 2)
        data = from_journal(settle([run])[0])
        _emit(args, data)
        return 0
    else:
        return _runs(args)
    bars.close()
    _emit(args, data)
    return _status_code(data)


def _celery_app() -> None:
    """Make the Celery app named by ``MOOC_BRIDGE_CELERY_APP`` (``module:attribute``) the current one."""
    name = os.environ.get("MOOC_BRIDGE_CELERY_APP", "").strip()
    if not name:
        return
    import importlib

    module, _sep, attribute = name.partition(":")
    try:
        app = getattr(importlib.import_module(module), attribute or "app")
    except (ImportError, AttributeError) as error:
        raise _Refused(_("MOOC_BRIDGE_CELERY_APP={name} cannot be loaded ({error}).").format(
            name=name, error=error), 2) from None
    app.set_current()


def _queued(args, run) -> int:
    if not args.wait:
        if args.json:
            print(json.dumps({"run": run.pk, "status": run.status, "queued": True}))
        else:
            print(_("Run {run} was handed to the Celery workers; follow it with: mooc-bridge sync status {run} "
                    "--wait").format(run=run.pk))
        return 0
    return _status(run.pk, args.json, True, None)


def main(argv: list[str] | None = None, prog: str = "mooc-bridge sync") -> int:
    """Run the ``sync`` command with ``argv``; return the exit code (see the module docstring)."""
    from .specs import SpecError
    parser = _parser(prog)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _Usage as usage:
        return usage.code
    bars = _Bars(sys.stderr.isatty() and not getattr(args, "json", False), sys.stderr)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)  # nothing from a file reaches a tty raw
    try:
        _setup()
        from .runner import SyncRefused

        try:
            return _run(args, bars)
        except SyncRefused as refused:
            print(f"{prog}: {refused.message}", file=sys.stderr)
            return refused.exit_code
    except (_Refused, SpecError) as error:
        print(f"{prog}: {error.message}", file=sys.stderr)
        return getattr(error, "code", 2) if isinstance(error, _Refused) else 2
    except AdapterError as error:
        where = ", ".join(f"{k}={v}" for k, v in error.where.items())
        print(f"{prog}: {error.message}" + (f" ({where})" if where else ""), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: " + _("interrupted; run 'mooc-bridge sync runs' and resume the run."), file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise  # the reader went away: xblocks.cli says so
    except Exception as error:
        if os.environ.get("MOOC_BRIDGE_DEBUG"):
            raise
        if isinstance(error, OSError) and error.filename:
            print(f"{prog}: " + _("cannot read {name}: {error}").format(name=error.filename,
                                                                       error=error.strerror or error), file=sys.stderr)
            return 2
        print(f"{prog}: " + _("internal error: {error}").format(error=f"{type(error).__name__}: {error}"),
              file=sys.stderr)
        return 1
    finally:
        bars.close()
        sys.stdout, sys.stderr = streams
