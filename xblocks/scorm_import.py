"""``mooc-bridge scorm import PKG --olx OUT.tar.gz``: validate a package, write its OLX archive, optionally upload it.

The command joins two packages, ``scorm`` (the archive) and ``adapters.studio`` (the upload), so it lives here
at the top of the dependency arrow; :func:`main` is ``mooc-bridge scorm``: the scorm package's own commands
(``inspect``, ``validate``) plus this one.

Exit codes (as every mooc-bridge command): 0 done; 1 the package is invalid or refused, or Studio
failed the import; 2 usage error or unreadable input. Secrets are read from the options or from
``MOOC_BRIDGE_STUDIO_CLIENT_ID`` / ``MOOC_BRIDGE_STUDIO_CLIENT_SECRET`` and never printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.errors import AdapterError, FatalError
from adapters.i18n import Translator
from adapters.studio import StudioClient, parse_course_id
from scorm import cli as scorm_cli
from scorm.model import Issue, ValidationReport
from scorm.olx import CoursePlan, OlxError, OlxOptions, build_plan
from scorm.olx_write import write_archive

__all__ = ["add_import_command", "main", "run_import", "zip_folder"]

_ = Translator.for_package("xblocks").gettext

ENV_ID, ENV_SECRET = "MOOC_BRIDGE_STUDIO_CLIENT_ID", "MOOC_BRIDGE_STUDIO_CLIENT_SECRET"


class _UsageError(Exception):
    """A usage problem found after argparse (exit code 2)."""


def add_import_command(subparsers: Any) -> None:
    """Add ``import`` to the ``mooc-bridge scorm`` sub-parsers; its handler returns the exit code."""
    parser = subparsers.add_parser("import", help=_("write an OLX archive for Studio, optionally upload it"),
                                   description=_("Validate a SCORM package and write an OLX course archive "
                                                 "(.tar.gz) that Studio imports; optionally upload it to Studio."),
                                   epilog=_("Importing into an existing course replaces its outline and its course "
                                            "settings (dates, grading). Give the client secret through {name} rather "
                                            "than on the command line.").format(name=ENV_SECRET))
    parser.add_argument("package", metavar="PKG", help=_("the SCORM package: a .zip file or an extracted folder"))
    parser.add_argument("--olx", metavar="OUT.tar.gz", help=_("where to write the OLX archive"))
    parser.add_argument("--section", action="store_true", help=_("the whole package as one section (chapter)"))
    parser.add_argument("--single", action="store_true",
                        help=_("one component with its own table of contents (always so with sequencing)"))
    parser.add_argument("--title", help=_("title of the course (with --section: of the section)"))
    parser.add_argument("--course-org", metavar="ORG", help=_("course organization in the archive"))
    parser.add_argument("--course-number", metavar="NUM", help=_("course number in the archive"))
    parser.add_argument("--course-run", metavar="RUN", help=_("course run in the archive"))
    parser.add_argument("--start", metavar="DATE", help=_("course start, e.g. 2025-09-01 (default: today)"))
    parser.add_argument("--end", metavar="DATE", help=_("course end (default: one year after the start)"))
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    studio = parser.add_argument_group(_("upload to Studio"))
    studio.add_argument("--studio", metavar="URL", help=_("Studio address, e.g. https://studio.example.edu"))
    studio.add_argument("--lms", metavar="URL", help=_("LMS address that issues the OAuth2 token"))
    studio.add_argument("--course-id", metavar="course-v1:ORG+NUM+RUN", help=_("the Studio course to import into"))
    studio.add_argument("--client-id", help=_("OAuth2 client id (default: ${name})").format(name=ENV_ID))
    studio.add_argument("--client-secret", help=_("OAuth2 client secret (default: ${name})").format(name=ENV_SECRET))
    parser.set_defaults(func=run_import)


def _date(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _UsageError(_("{option} \"{value}\" is not a date like 2025-09-01 or 2025-09-01T08:00:00+08:00.")
                          .format(option=option, value=value[:80])) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _check_usage(args: argparse.Namespace) -> dict[str, Any]:
    """Return the Studio settings (or ``{}``); raise :class:`_UsageError` for a wrong combination."""
    if not args.olx and not args.studio:
        raise _UsageError(_("Give --olx OUT.tar.gz, --studio URL, or both."))
    if args.olx:
        out = Path(args.olx)
        if not out.name.endswith(".tar.gz"):
            raise _UsageError(_("The archive name must end in .tar.gz (Studio accepts no other): {name}")
                              .format(name=out.name))
        if not out.parent.is_dir():
            raise _UsageError(_("The folder {folder} does not exist.").format(folder=str(out.parent)))
    if not args.studio:
        return {}
    settings = {"studio": args.studio, "lms": args.lms, "course_id": args.course_id,
                "client_id": args.client_id or os.environ.get(ENV_ID, ""),
                "client_secret": args.client_secret or os.environ.get(ENV_SECRET, "")}
    missing = [option for option, key in (("--lms", "lms"), ("--course-id", "course_id"),
                                          ("--client-id", "client_id"), ("--client-secret", "client_secret"))
               if not settings[key]]
    if missing:
        raise _UsageError(_("Uploading to Studio also needs: {options}.").format(options=", ".join(missing)))
    return settings


def zip_folder(folder: Path, destination: Path) -> str:
    """Zip ``folder``'s regular files (links skipped) reproducibly into ``destination``; return its sha256."""
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
    digest = hashlib.sha256()
    with destination.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _issue_line(issue: Issue) -> str:
    where = ", ".join(f"{key} {value}" for key, value in issue.where.as_dict().items())
    label = _("error") if issue.severity == "error" else _("warning")
    return f"{label} [{issue.code}] {issue.message}" + (f" ({where})" if where else "")


def _print_refusal(report: ValidationReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_contract(), ensure_ascii=False, indent=2))
    else:
        print(scorm_cli.format_report(report), file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    """Handle ``mooc-bridge scorm import``; return the exit code. No traceback reaches the user."""
    from scorm.inspect import exit_code, inspect_package
    from scorm.progress import terminal_progress

    try:
        studio = _check_usage(args)
        options = OlxOptions(section=args.section, single=args.single, org=args.course_org,
                             number=args.course_number, run=args.course_run, title=args.title,
                             start=_date(args.start, "--start"), end=_date(args.end, "--end"))
        if studio:
            options = _options_from_course_id(options, studio["course_id"])
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    source = Path(args.package)
    progress = terminal_progress()
    report = inspect_package(source, progress=progress)
    if not report.valid or report.package is None:
        _print_refusal(report, args.json)
        return exit_code(report) or 1
    with tempfile.TemporaryDirectory(prefix="mooc-bridge-olx-") as scratch:
        try:
            if source.is_dir():
                package_zip = Path(scratch) / "package.zip"
                sha256 = zip_folder(source, package_zip)
            else:
                package_zip, sha256 = source, report.sha256 or ""
            plan = build_plan(report.package, sha256, options, fallback_title=source.name.removesuffix(".zip"))
            out = Path(args.olx) if args.olx else Path(scratch) / f"mooc-bridge-{sha256[:12]}.tar.gz"
            progress.start(package_zip.stat().st_size, _("Writing {name}").format(name=out.name))
            try:
                write_archive(plan, package_zip, out, progress=progress.advance)
            finally:
                progress.close()
        except OlxError as exc:
            print(_issue_line(exc.issue), file=sys.stderr)
            return exc.exit_code
        result: dict[str, Any] = _summary(plan, args.olx, report)
        code = 0
        if studio:
            code, result["studio"] = _upload(studio, out, plan, progress)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_summary(result)
    return code


def _options_from_course_id(options: OlxOptions, course_id: str) -> OlxOptions:

    try:
        org, number, run = parse_course_id(course_id)
    except FatalError as exc:
        raise _UsageError(str(exc)) from exc
    return OlxOptions(section=options.section, single=options.single, org=options.org or org,
                      number=options.number or number, run=options.run or run, title=options.title,
                      start=options.start, end=options.end)


def _summary(plan: CoursePlan, archive: str | None, report: ValidationReport) -> dict[str, Any]:
    return {"archive": archive, "sha256": plan.sha256, "title": plan.title,
            "course": f"{plan.org}+{plan.number}+{plan.run}", "toc": plan.toc, **plan.counts(),
            "notes": [issue.as_dict() for issue in plan.notes],
            "warnings": [issue.as_dict() for issue in report.warnings], "studio": None}


def _print_summary(result: dict[str, Any]) -> None:
    counts = _("sections: {chapters}, subsections: {sequentials}, units: {verticals}, SCORM components: "
               "{components}").format(**result)
    if result["archive"]:
        print(_("Wrote {archive}: {counts} (package {sha}).").format(archive=result["archive"], counts=counts,
                                                                    sha=result["sha256"][:12]))
    for note in result["notes"] + result["warnings"]:
        print("  " + _("warning") + f" [{note['code']}] {note['message']}")
    studio = result.get("studio")
    if studio:
        print(studio["message"], file=sys.stdout if studio.get("state") == "Succeeded" else sys.stderr)


def _upload(settings: dict[str, Any], archive: Path, plan: CoursePlan, progress: Any) -> tuple[int, dict[str, Any]]:

    course_id = settings["course_id"]
    sent = [0]

    def advance(done: int, total: int) -> None:
        if done < sent[0] or sent[0] == 0:  # a new attempt starts from the first byte
            progress.close()
            progress.start(total, _("Uploading to Studio"))
            sent[0] = 0
        progress.advance(done - sent[0])
        sent[0] = done

    try:
        with StudioClient(settings["studio"], settings["lms"], settings["client_id"],
                          settings["client_secret"]) as client:
            try:
                outcome = client.import_course(course_id, archive, filename=f"mooc-bridge-{plan.sha256[:12]}.tar.gz",
                                               progress=advance)
            finally:
                progress.close()
    except AdapterError as exc:
        return 1, {"course_id": course_id, "state": None, "code": exc.code, "status": exc.status,
                   "message": _("The upload to Studio failed: {reason}").format(reason=exc.message)}
    if outcome.succeeded:
        message = _("Studio imported the archive into {course_id}.").format(course_id=course_id)
    else:
        message = _("Studio's import into {course_id} ended with the state \"{state}\". The course's Import page "
                    "in Studio shows why.").format(course_id=course_id, state=outcome.state)
    return (0 if outcome.succeeded else 1), {"course_id": course_id, "task_id": outcome.task_id,
                                             "state": outcome.state, "message": message}


def main(argv: list[str], prog: str = "mooc-bridge scorm") -> int:
    """``mooc-bridge scorm``: ``inspect`` and ``validate`` from :mod:`scorm.cli`, and ``import`` from here."""
    return scorm_cli.main(argv, prog, extra_commands=[add_import_command])
