"""The safe SCORM import against plain ``zipfile.ZipFile.extractall`` of the same zip, in the same run.

Builds a package of ~3,000 files (~300 MB; a 1 GB one too in the full run) in a temporary folder:
compressible text pages and scripts beside incompressible media, like a real courseware export.
Times the whole safe import (every check, streamed extraction, sha256, manifest parsing, validation,
the atomic move into the store) against ``extractall`` (no checks, no hash) in pairs run back to back
(the ratio is the median of the pairs' ratios; the best times and their ratio are shown too), measures
the import's peak memory in a child process, and times parsing a 10,000-item manifest.

Fairness (ADR 0034): both sides must start from the same machine state, whichever runs first.

* **No output is deleted until every run is done, and each run writes into a folder ext4 places in a
  block group of its own.** Creating a file on ext4 skips inodes deleted in the last 1-6 minutes in
  that block group (``recently_deleted()`` in ``fs/ext4/ialloc.c``, checked on file systems without a
  journal such as this machine's), rescanning them for every new file: ``perf`` showed 6-24 % of a
  run's time there, and 3,000 files took 3.6 s to create beside 3,000 just deleted against 0.13 s in
  a fresh group. Which side paid depended on the order of the runs and on what anything else on the
  machine (tests under ``/tmp``) had deleted in the last minutes. The outputs' parent is marked
  ``chattr +T`` (:func:`spread_subfolders`), so each run's folder goes to a group of its own away from
  ``/tmp``'s busy one; a production server's journaled ext4 does no such scan.
* **``os.sync()`` before each timed run** writes the earlier runs' outputs to disk first, so no run
  pays for another's write-back.
* **One untimed warm-up of each side** before the pairs: the first run after building the zip was
  slower whichever side it was.

Goals: import time ≤ 1.25× extractall; peak memory ≤ 64 MiB whatever the size; the 10,000-item
manifest parses in under 150 ms. ``--quick`` uses ~60 MB and finishes within a minute. The full run
keeps about 17 GB of outputs on disk until it ends.
"""

from __future__ import annotations

import array
import fcntl
import os
import random
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from _harness import best_of, goal, in_child, parse_args, report

from scorm.inspect import import_package
from scorm.limits import Limits
from scorm.manifest import parse_manifest

MiB = 2**20
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_TOPDIR_FL = 0x80086601, 0x40086602, 0x00020000  # linux/fs.h
WORDS = ("course lesson learner score status module chapter quiz answer video function var return if else for "
         "while document window div span class style margin padding 课程 学习 成绩 章节").split()


def spread_subfolders(folder: Path) -> bool:
    """Mark ``folder`` as a top of hierarchy (``chattr +T``): ext4 spreads its new sub-folders over block groups.

    Returns whether the file system took the flag (other file systems ignore or refuse it; nothing else changes).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags)
        flags[0] |= FS_TOPDIR_FL
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, flags)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _text_block(rng: random.Random, size: int) -> bytes:
    words = [rng.choice(WORDS) for _ in range(size // 5)]
    return (" ".join(words) + "\n").encode()[:size]


def build_package(folder: Path, total_bytes: int, files: int, rng: random.Random) -> Path:
    """Write a package zip of about ``total_bytes`` unpacked in ``files`` files; return its path."""
    media_files = max(1, files // 10)
    text_files = files - media_files
    media_size = total_bytes // 2 // media_files
    text_size = total_bytes // 2 // text_files
    block = _text_block(rng, 4 * MiB)
    items, resources, names = [], [], []
    for number in range(text_files):
        names.append((f"content/unit{number // 100}/page{number}.{'html' if number % 3 else 'js'}", "text"))
    for number in range(media_files):
        names.append((f"media/clip{number}.mp4", "media"))
    for number in range(0, text_files, 30):
        items.append(f'<item identifier="i{number}" identifierref="r{number}"><title>Page {number}</title></item>')
        resources.append(f'<resource identifier="r{number}" type="webcontent" adlcp:scormtype="sco" '
                         f'href="{names[number][0]}"><file href="{names[number][0]}"/></resource>')
    manifest = ('<?xml version="1.0"?><manifest identifier="bench" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"'
                ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"><metadata><schema>ADL SCORM</schema>'
                '<schemaversion>1.2</schemaversion></metadata><organizations default="o"><organization identifier="o">'
                f'<title>Benchmark</title>{"".join(items)}</organization></organizations>'
                f'<resources>{"".join(resources)}<resource identifier="all" type="webcontent" adlcp:scormtype="asset">'
                + "".join(f'<file href="{name}"/>' for name, _kind in names) + "</resource></resources></manifest>")
    path = folder / f"package-{total_bytes // MiB}MB.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for name, kind in names:
            if kind == "media":
                archive.writestr(name, rng.randbytes(media_size))
            else:
                start = rng.randrange(0, len(block) - text_size)
                archive.writestr(name, block[start:start + text_size])
    return path


def synthetic_manifest(items: int) -> bytes:
    """A SCORM 2004 manifest with ``items`` items over 100 resources."""
    body = "".join(f'<item identifier="i{n}" identifierref="r{n % 100}" isvisible="true"><title>Item {n}</title>'
                   f"</item>" for n in range(items))
    resources = "".join(f'<resource identifier="r{n}" type="webcontent" adlcp:scormType="sco" href="p{n}.html">'
                        f'<file href="p{n}.html"/></resource>' for n in range(100))
    return ('<?xml version="1.0"?><manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
            'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"><metadata><schema>ADL SCORM</schema>'
            '<schemaversion>2004 4th Edition</schemaversion></metadata><organizations default="o">'
            f'<organization identifier="o"><title>Big</title>{body}</organization></organizations>'
            f"<resources>{resources}</resources></manifest>").encode()


def measure(work: Path, size: int, files: int, repeat: int, rng: random.Random) -> dict:
    """Time extractall and the safe import of one package; measure the import's peak memory."""
    built = time.perf_counter()
    path = build_package(work, size, files, rng)
    build_seconds = time.perf_counter() - built
    limits = Limits(max_total_bytes=4 * size, max_entries=files * 2)
    outputs = work / f"outputs-{size // MiB}MB"
    outputs.mkdir()
    spread = spread_subfolders(outputs)
    runs = iter(range(10**6))

    def baseline():
        with zipfile.ZipFile(path) as archive:
            archive.extractall(outputs / f"extractall-{next(runs)}")

    def ours():
        result = import_package(path, outputs / f"store-{next(runs)}", limits=limits)
        assert result.stored, [issue.as_dict() for issue in result.report.issues]
        return result.sha256

    def timed(fn) -> float:
        os.sync()  # earlier outputs go to disk now, not during this run
        seconds, _ = best_of(fn, 1)
        return seconds

    timed(baseline), timed(ours)  # warm-up, not counted
    # Pairs, each run back to back after a sync, the order alternating; the ratio is the median of the pairs' ratios.
    # On a shared machine one run can take twice as long as the next: a best-of-2 of each side (as before) let one
    # lucky or unlucky run decide the ratio, so the same code measured anywhere from 0.5x to 2x.
    base_times, ours_times, ratios = [], [], []
    for number in range(repeat):
        order = (("base", baseline), ("ours", ours)) if number % 2 == 0 else (("ours", ours), ("base", baseline))
        seconds = {name: timed(fn) for name, fn in order}
        base_times.append(seconds["base"])
        ours_times.append(seconds["ours"])
        ratios.append(seconds["ours"] / seconds["base"])
    base_best, ours_best = min(base_times), min(ours_times)
    os.sync()
    child = in_child(ours)
    base_child = in_child(baseline)
    zip_mib = path.stat().st_size / MiB
    path.unlink()
    return {"zip_mib": round(zip_mib, 1), "unpacked_mib": round(size / MiB), "files": files,
            "build_s": round(build_seconds, 2), "outputs_spread": spread,
            "extractall_s": round(base_best, 3), "import_s": round(ours_best, 3),
            "ratio": statistics.median(ratios), "ratio_of_bests": ours_best / base_best,
            "pair_ratios": [round(ratio, 2) for ratio in ratios], "import_peak_mib": round(child["peak_mib"], 1),
            "extractall_peak_mib": round(base_child["peak_mib"], 1)}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    rng = random.Random(20260801)
    sizes = [(60 * MiB, 600)] if args.quick else [(300 * MiB, 3000), (1024 * MiB, 3000)]
    repeat = 5
    figures: dict = {}
    goals: dict = {}
    with tempfile.TemporaryDirectory(prefix="scorm-bench-") as folder:
        for size, files in sizes:
            result = measure(Path(folder), size, files, repeat, rng)
            label = f"{result['unpacked_mib']}MB"
            for key, value in result.items():
                figures[f"{label} {key}"] = round(value, 3) if isinstance(value, float) else value
            goals[f"{label} import/extractall"] = goal(result["ratio"], "<=", 1.25)
            goals[f"{label} peak MiB"] = goal(result["import_peak_mib"], "<=", 64)
    data = synthetic_manifest(10_000)
    seconds, (package, _issues) = best_of(lambda: parse_manifest(data), 5)
    assert sum(1 for _ in package.iter_items()) == 10_000
    figures["manifest 10,000 items KiB"] = round(len(data) / 1024)
    figures["manifest 10,000 items parse ms"] = round(seconds * 1000, 1)
    goals["10,000-item manifest ms"] = goal(seconds * 1000, "<", 150)
    report("scorm_import", args.quick, figures, goals)


if __name__ == "__main__":
    main()
