"""The ``mooc-bridge`` command: one entry point, one sub-command module per package.

Sub-commands are imported only when used, so ``mooc-bridge resolve`` does not load Django and a
broken optional part cannot break the others. Each module exposes ``main(argv, prog) -> int``.
Exit codes are the same everywhere: 0 done, 1 refused or invalid input, 2 usage error or
unreadable input.
"""

from __future__ import annotations

import importlib
import os
import sys

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

_ = Translator.for_package("xblocks").gettext

# name -> (module, one-line help); the help is marked here and translated when shown
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("sync.cli_doctor", N_("check an Open edX LMS before the first sync (token, flags, APIs)")),
    "resolve": ("adapters.platforms.cli", N_("turn platform links into embeddable resources (JSON lines)")),
    "scorm": ("xblocks.scorm_import", N_("inspect, validate and import SCORM packages")),
    "sync": ("sync.cli", N_("sync rosters and grades between systems")),
    "workbench": ("xblocks.workbench.cli", N_("start the XBlock workbench with the demo content")),
}


def _usage() -> str:
    lines = [_("usage: mooc-bridge COMMAND [ARGS...]"), "", _("commands:")]
    for name, (_module, help_text) in COMMANDS.items():
        lines.append(f"  {name:<10} {_(help_text)}")
    lines += ["", _("Run 'mooc-bridge COMMAND --help' for the options of a command.")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the sub-command named first in ``argv`` and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(_usage(), file=sys.stderr)
        print("\n" + _("mooc-bridge: unknown command {name!r}").format(name=name), file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    try:
        return int(module.main(rest, prog=f"mooc-bridge {name}") or 0)
    except BrokenPipeError:
        # the reader of our output went away (`… | head`): say so once, and let nothing more reach the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(_("mooc-bridge: the output was closed before the command finished."), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
