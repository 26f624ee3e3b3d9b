"""``manage.py lms mooc_bridge_scorm_storage [--move]``: packages still in a guessable place, and moving them.

See :mod:`xblocks.scorm.relocate`. Without ``--move`` it only lists; exit status 0 either way, and a failed
move is a ``CommandError`` (status 1) naming the package.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from adapters.i18n import Translator

from ...relocate import exposed_packages, move_package
from ...stores import package_store

_ = Translator.for_package("xblocks").gettext


class Command(BaseCommand):
    """List (and move) SCORM packages stored outside the unguessable folder."""

    help = "List SCORM packages stored where Django's storage may serve them without a login; --move moves them."

    def add_arguments(self, parser):  # noqa: D102
        parser.add_argument("--move", action="store_true", help="move them into the unguessable folder")

    def handle(self, *args, move=False, **options):  # noqa: D102
        bucket = dict(getattr(settings, "XBLOCK_SETTINGS", {}).get("mooc_bridge_scorm", {}))
        store = package_store(bucket)
        found = exposed_packages(store)
        if not found:
            self.stdout.write(_("Every SCORM package is in the unguessable folder."))
            return
        for older, sha256 in found:
            if not move:
                self.stdout.write(_("{sha256}: stored in an older place ({where})").format(sha256=sha256, where=older))
                continue
            try:
                move_package(store, older, sha256)
            except OSError as error:
                raise CommandError(_("{sha256}: could not be moved: {reason}").format(
                    sha256=sha256, reason=error.strerror or error)) from error
            self.stdout.write(_("{sha256}: moved").format(sha256=sha256))
        if not move:
            self.stdout.write(_("Run again with --move to move them (learners keep their access)."))
