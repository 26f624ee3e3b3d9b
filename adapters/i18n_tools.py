"""Keep the gettext catalogs of every package in step with the code (``make translations``).

``python -m adapters.i18n_tools`` extracts the messages of each package into its zh_CN catalog (new
messages arrive untranslated, translations already made are kept, messages gone from the code are
dropped) and compiles the ``.mo`` files; ``--check`` changes nothing and exits 1 when a message has
no zh_CN translation or a ``.mo`` does not hold the messages of its ``.po``. The check compares
messages, not bytes: which Babel compiled a ``.mo`` (its ``Generated-By`` header) and the source
references in a ``.po`` do not matter. Needs Babel (the ``dev`` and ``test`` extras).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

PACKAGES = ("adapters", "scorm", "sync", "xblocks")
LOCALES = ("zh_CN",)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "N_": None,
    "ngettext": (1, 2),
}
ROOT = Path(__file__).resolve().parent.parent


def extract(package: str):
    """Return a Babel catalog of the messages used in ``package``'s Python code."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="mooc-bridge", domain=package)
    method_map = [("**/tests/**.py", "ignore"), ("**/migrations/**.py", "ignore"), ("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT / package, method_map=method_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(f"{package}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def catalog_paths(package: str, locale: str) -> tuple[Path, Path]:
    """Return the ``.po`` and ``.mo`` paths of ``package`` in ``locale``."""
    folder = ROOT / package / "locale" / locale / "LC_MESSAGES"
    return folder / f"{package}.po", folder / f"{package}.mo"


def _read_po(path: Path, locale: str, package: str):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.exists():
        return Catalog(locale=locale, domain=package, project="mooc-bridge")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=package)


def _mo_bytes(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _write_po(path: Path, catalog) -> None:
    """Write ``catalog`` sorted, with file names but no line numbers, so an edit elsewhere churns nothing."""
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)


def messages(catalog) -> dict[tuple[object, str | None], object]:
    """Return ``{(msgid, context): msgstr}`` of the translated messages of ``catalog``, header left out.

    This is what a running program sees of a catalog, so two catalogs that agree here behave the same,
    whatever Babel version compiled them and whatever comments or line references their ``.po`` carries.
    """
    found = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            found[(message.id, message.context)] = message.string
    return found


def _mo_messages(path: Path) -> dict | None:
    """Return the messages of the compiled catalog at ``path``, or None when it is missing or unreadable."""
    from babel.messages.mofile import read_mo

    try:
        with path.open("rb") as handle:
            return messages(read_mo(handle))
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None


def update(package: str, locale: str) -> None:
    """Merge the code's messages into the catalog and compile it."""
    template = extract(package)
    po_path, mo_path = catalog_paths(package, locale)
    catalog = _read_po(po_path, locale, package)
    if po_path.exists():
        # the catalog's own date, so that a run that changes no message changes no byte of the .po
        template.creation_date = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    _write_po(po_path, catalog)
    # compile what was written, so that --check compares like with like
    mo_path.write_bytes(_mo_bytes(_read_po(po_path, locale, package)))


def _shown(path: Path) -> str:
    """Return ``path`` as a person finds it from the checkout."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def problems(package: str, locale: str) -> list[str]:
    """Return what is wrong with ``package``'s catalog in ``locale`` (an empty list when all is well)."""
    template = extract(package)
    po_path, mo_path = catalog_paths(package, locale)
    if not len(template):
        return []
    if not po_path.exists():
        return [f"{_shown(po_path)} is missing: run `make translations`"]
    catalog = _read_po(po_path, locale, package)
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        msg_id = message.id if isinstance(message.id, str) else message.id[0]
        if entry is None:
            found.append(f"{package}: {msg_id!r} is not in {po_path.name}: run `make translations`")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            found.append(f"{package}: {msg_id!r} has no {locale} translation")
        elif entry.fuzzy:
            found.append(f"{package}: {msg_id!r} is marked fuzzy")
    if _mo_messages(mo_path) != messages(catalog):
        found.append(f"{_shown(mo_path)} is out of date: run `make translations`")
    return found


def merge(package: str, locale: str, translations: dict[str, str]) -> int:
    """Fill in translations given as ``{msgid: msgstr}``; return how many were set."""
    po_path, mo_path = catalog_paths(package, locale)
    catalog = _read_po(po_path, locale, package)
    count = 0
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if message.id and key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) and isinstance(value, list) else value
            message.flags.discard("fuzzy")
            count += 1
    _write_po(po_path, catalog)
    mo_path.write_bytes(_mo_bytes(_read_po(po_path, locale, package)))
    return count


def main(argv: list[str] | None = None) -> int:
    """Update the catalogs, or with ``--check`` report what is missing."""
    parser = argparse.ArgumentParser(prog="python -m adapters.i18n_tools", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a catalog lags")
    parser.add_argument("--merge", metavar="JSON", help="fill in translations from a {msgid: msgstr} JSON file")
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    args = parser.parse_args(argv)
    bad: list[str] = []
    if args.merge:
        import json

        translations = json.loads(Path(args.merge).read_text(encoding="utf-8"))
        for package in args.packages:
            update(package, LOCALES[0])
            print(f"{package}: {merge(package, LOCALES[0], translations)} translations set")
        return 0
    for package in args.packages:
        for locale in LOCALES:
            if args.check:
                bad.extend(problems(package, locale))
            else:
                update(package, locale)
                print(f"updated {catalog_paths(package, locale)[0].relative_to(ROOT)}")
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
