"""A stand-in for ``./manage.py lms <command>`` that checks arguments as the real commands parse them and records calls.

The Tutor plugin's init task (``xblocks/tutor/templates/mooc-bridge/tasks/lms/init``) is run by the tests with ``sh
-e`` in a folder where this file is ``./manage.py``. Each call is appended to ``$FAKE_MANAGE_LOG`` as one JSON list
of its arguments; arguments the real command would refuse make it exit 2 (argparse's usage error), as Django's
``BaseCommand`` does. The parsers declare the real commands' arguments, no more:

- ``manage_user``: since openedx/openedx-platform#28118 it lives in edx-django-utils
  (``edx_django_utils/user/management/commands/manage_user.py``, the LMS loads it with ``edx_django_utils.user`` in
  ``INSTALLED_APPS``); Tutor 22's own ``jobs/init/lms.sh`` calls it with ``--unusable-password``: ``username``,
  ``email``, ``--remove``, ``--superuser``, ``--staff``, ``--unusable-password``, ``--initial-password-hash``,
  ``-g/--groups``. The real command also sets ``is_staff``/``is_superuser`` to exactly the flags given and refuses
  an e-mail that differs from an existing user's, so the init task always passes the same e-mail and ``--staff``.
- ``create_dot_application``: edx-platform
  ``openedx/core/djangoapps/oauth_dispatch/management/commands/create_dot_application.py``: ``name``,
  ``username``, ``--grant-type`` (django-oauth-toolkit's ``Application.GRANT_TYPES``: ``authorization-code``,
  ``implicit``, ``password``, ``client-credentials``, ``openid-hybrid``; default ``client-credentials``),
  ``--redirect-uris``, ``--public``, ``--skip-authorization``, ``--client-id``, ``--client-secret``, ``--scopes``,
  ``--update``.
- ``waffle_flag``: django-waffle ``waffle/management/commands/waffle_flag.py``: optional ``name``, ``-l/--list``
  (prints ``Flags:`` then ``NAME: <name>`` and the flag's fields for each flag), ``--everyone``, ``--deactivate``,
  ``--percent``, ``--superusers``, ``--staff``, ``--authenticated``, ``--group``, ``--user``, ``--append``,
  ``--rollout``, ``--testing``, ``--create``. ``$FAKE_WAFFLE_FLAGS`` (comma-separated) names the flags that exist.
- ``cache_programs``: edx-platform ``openedx/core/djangoapps/catalog/management/commands/cache_programs.py``
  (optional ``--domain``); ``$FAKE_CACHE_PROGRAMS_FAILS`` makes it exit 1, as it does (``sys.exit(1)``) when a
  request to Discovery fails, or with a traceback when the catalog integration's service user does not exist.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

GRANT_TYPES = ("authorization-code", "implicit", "password", "client-credentials", "openid-hybrid")


def _parsers() -> dict[str, argparse.ArgumentParser]:
    manage_user = argparse.ArgumentParser(prog="manage_user")
    manage_user.add_argument("username")
    manage_user.add_argument("email")
    for flag in ("--remove", "--superuser", "--staff", "--unusable-password"):
        manage_user.add_argument(flag, action="store_true")
    manage_user.add_argument("--initial-password-hash")
    manage_user.add_argument("-g", "--groups", nargs="*", default=[])

    dot = argparse.ArgumentParser(prog="create_dot_application")
    dot.add_argument("name")
    dot.add_argument("username")
    dot.add_argument("--grant-type", default="client-credentials", choices=GRANT_TYPES)
    dot.add_argument("--redirect-uris", default="")
    for flag in ("--public", "--skip-authorization", "--update"):
        dot.add_argument(flag, action="store_true")
    for option in ("--client-id", "--client-secret", "--scopes"):
        dot.add_argument(option, default="")

    waffle = argparse.ArgumentParser(prog="waffle_flag")
    waffle.add_argument("name", nargs="?")
    waffle.add_argument("-l", "--list", action="store_true", dest="list_flags")
    waffle.add_argument("--everyone", action="store_true", dest="everyone")
    waffle.add_argument("--deactivate", action="store_false", dest="everyone")
    waffle.add_argument("--percent", "-p", type=int)
    for flag in ("--superusers", "--staff", "--authenticated", "--append", "--rollout", "--testing", "--create"):
        waffle.add_argument(flag, action="store_true")
    waffle.add_argument("--group", "-g", action="append", default=[])
    waffle.add_argument("--user", "-u", action="append", default=[])
    waffle.set_defaults(everyone=None)

    cache_programs = argparse.ArgumentParser(prog="cache_programs")
    cache_programs.add_argument("--domain")

    return {"manage_user": manage_user, "create_dot_application": dot, "waffle_flag": waffle,
            "cache_programs": cache_programs}


def main(argv: list[str]) -> int:
    """``argv`` is ``["lms", command, *arguments]``; returns the exit status the real command would have."""
    with open(os.environ["FAKE_MANAGE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    if len(argv) < 2 or argv[0] != "lms" or argv[1] not in _parsers():
        print(f"Unknown command: {argv[1:2]}", file=sys.stderr)
        return 1
    options = _parsers()[argv[1]].parse_args(argv[2:])  # exits 2 on arguments the real command refuses
    if argv[1] == "waffle_flag":
        existing = [name for name in os.environ.get("FAKE_WAFFLE_FLAGS", "").split(",") if name]
        if options.list_flags:
            print("Flags:")
            for name in existing:
                print(f"NAME: {name}\nSUPERUSERS: True\nEVERYONE: None\n")
            return 0
        if not options.name:
            print("You need to specify a flag name.", file=sys.stderr)
            return 1
        if options.name not in existing and not options.create:
            print("This flag does not exist.", file=sys.stderr)
            return 1
    if argv[1] == "cache_programs" and os.environ.get("FAKE_CACHE_PROGRAMS_FAILS"):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
