"""SCORM packages in the workbench: ``mooc-bridge workbench --scorm PKG.zip`` imports them and lists them here.

The registry is a small JSON file under ``MOOC_BRIDGE_HOME``; the block's ``workbench_scenarios()``
reads it, so the SDK (which builds scenarios lazily, and again on "reset state") always finds them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.sax.saxutils import quoteattr

from scorm.inspect import import_package

REGISTRY = "workbench-scorm.json"
DEMO_PACKAGE = Path(__file__).resolve().parent / "demo_package"


def home() -> Path:
    """The workbench's folder (``MOOC_BRIDGE_HOME``, default ``./var``)."""
    return Path(os.environ.get("MOOC_BRIDGE_HOME", "var")).resolve()


def demo_zip(folder: Path) -> Path:
    """Zip our own small bilingual SCORM 1.2 course into ``folder`` (same bytes every time) and return its path."""
    import zipfile

    target = folder / "mooc-bridge-demo-scorm12.zip"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(DEMO_PACKAGE.iterdir()):
            if path.is_file():
                info = zipfile.ZipInfo(path.name, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return target


def register_packages(paths: list[str], store_root: Path) -> tuple[list[dict], list[str]]:
    """Import each package into ``store_root`` and record it for the scenarios; return (entries, problems)."""
    entries: list[dict] = []
    problems: list[str] = []
    for path in paths:
        result = import_package(path, store_root)
        if not result.stored:
            reasons = "; ".join(issue.message for issue in result.report.errors) or "not a SCORM package"
            problems.append(f"{path}: {reasons}")
            continue
        contract = result.report.to_contract()
        entries.append({"sha256": result.sha256, "title": contract["title"] or Path(path).stem,
                        "file": Path(path).name, "scos": contract["scos"], "sequencing": contract["sequencing"]})
    registry = home() / REGISTRY
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    return entries, problems


def scenarios() -> list[tuple[str, str]]:
    """One workbench scenario per registered package."""
    try:
        entries = json.loads((home() / REGISTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    result = []
    for entry in entries if isinstance(entries, list) else []:
        title, sha256 = str(entry.get("title", "")), str(entry.get("sha256", ""))
        xml = (f"<vertical_demo><mooc_bridge_scorm display_name={quoteattr(title)} "
               f"package_sha256={quoteattr(sha256)}/></vertical_demo>")
        result.append((f"SCORM: {title} ({entry.get('file', '')})", xml))
    return result
