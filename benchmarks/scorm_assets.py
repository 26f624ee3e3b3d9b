"""SCORM asset serving: throughput against a static file server, and memory of the LMS view against the handler.

Throughput: ``xblocks.scorm.assets.serve`` (path checks, streaming, ETag/Last-Modified, Range) runs behind the
stdlib WSGI server; the baseline is Python's ``http.server`` serving the same extracted package folder.
Both run in this process on 127.0.0.1, each with a threading server, and are driven by the same client:
many small files (every file of a golf package) and one large file (a 32 MiB "video"; 8 MiB with
``--quick``). Reported: requests/s, MiB/s, median and p95 latency, and the ratio handler / static.

Memory: one large file (1 GiB; 128 MiB with ``--quick``; ``--large-mib``) served whole, each way in its own
forked child, its body written to ``/dev/null`` as a WSGI server would: the plugin app's view
(``xblocks.scorm.views.asset``, a ``StreamingHttpResponse``) against the ``asset`` handler's response
converted as the LMS converts every handler response (``webob_to_django_response`` without ``streaming``,
from ``xblock.django.request``: an ``HttpResponse`` that joins the whole body). Reported: each child's peak
RSS above its start and the ratio view / handler.
"""

from __future__ import annotations

import http.client
import os
import statistics
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from _harness import ROOT, goal, in_child, parse_args, report

SHA = "b" * 64


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietWSGI(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _QuietStatic(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def handler_app(folder: Path):
    """A WSGI app answering like the block's ``asset`` handler: ``/<path>`` of the package folder."""
    from webob import Request

    from xblocks.scorm.assets import serve

    def app(environ, start_response):
        request = Request(environ)
        return serve(request, folder, request.path_info.lstrip("/"), sha256=SHA)(environ, start_response)

    return app


def start(server) -> tuple[int, threading.Thread]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server.server_address[1], thread


def fetch_all(port: int, paths: list[str], rounds: int) -> tuple[float, list[float], int]:
    """GET every path ``rounds`` times (new connection each: both servers close after a response)."""
    latencies, total = [], 0
    start_time = time.perf_counter()
    for _ in range(rounds):
        for path in paths:
            begin = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/" + quote(path))
            response = connection.getresponse()
            while chunk := response.read(1024 * 1024):
                total += len(chunk)
            assert response.status == 200, (path, response.status)
            connection.close()
            latencies.append(time.perf_counter() - begin)
    return time.perf_counter() - start_time, latencies, total


def measure(port: int, paths: list[str], rounds: int) -> dict[str, float]:
    fetch_all(port, paths[:5], 1)  # warm up
    seconds, latencies, total = fetch_all(port, paths, rounds)
    ordered = sorted(latencies)
    return {"rps": len(latencies) / seconds, "mib_s": total / seconds / 2**20,
            "p50_ms": 1000 * statistics.median(ordered), "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))]}


def _drain(response) -> int:
    """Send a Django response's body nowhere, chunk by chunk, as a WSGI server does; return the bytes sent."""
    sent = 0
    with open(os.devnull, "wb") as sink:
        for chunk in response:
            sent += sink.write(chunk)
    response.close()
    return sent


def memory(store: Path, sha256: str, path: str, size: int) -> dict[str, float]:
    """Peak RSS (MiB) of serving ``path`` whole through the view and through the LMS's handler conversion."""
    import django
    from django.conf import settings

    django.setup()
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(store)}}
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from webob import Request
    from xblock.django.request import webob_to_django_response

    from xblocks.scorm import assets, links, views
    from xblocks.scorm.stores import LocalStore

    def view() -> int:
        request = RequestFactory().get("/")
        request.user = AnonymousUser()  # the workbench rule: course-less URLs for anyone
        response = views.asset(request, links.NO_COURSE, sha256, links.signature(links.NO_COURSE, sha256), path)
        assert response.status_code == 200 and response.streaming
        return _drain(response)

    def handler() -> int:
        webob_response = assets.serve(Request.blank("/"), assets.store_opener(LocalStore(store), sha256), path,
                                      sha256=sha256)
        return _drain(webob_to_django_response(webob_response))  # as handle_xblock_callback returns it

    results = {}
    for name, fn in (("view", view), ("handler", handler)):
        run = in_child(fn)
        assert run["result"] == size, (name, run["result"], size)
        results[name] = run["peak_mib"]
        results[f"{name}_seconds"] = run["seconds"]
    return results


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda parser: parser.add_argument(
        "--large-mib", type=int, default=None, help="size of the file of the memory comparison (default 1024)"))
    from scorm.inspect import import_package

    with tempfile.TemporaryDirectory() as store:
        result = import_package(ROOT.parent / "shared" / "fixtures" / "scorm" / "valid" /
                                "RuntimeBasicCalls_SCORM12.zip", store)
        folder = Path(result.path)
        large = folder / "media" / "lecture.mp4"
        large.parent.mkdir()
        large.write_bytes(os.urandom((8 if args.quick else 32) * 2**20))
        small = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p != large)

        wsgi = make_server("127.0.0.1", 0, handler_app(folder), server_class=_ThreadingWSGIServer,
                           handler_class=_QuietWSGI)
        static = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietStatic, directory=str(folder)))
        ports = {"handler": start(wsgi)[0], "static": start(static)[0]}
        figures: dict = {"small_files": len(small), "large_file_mib": large.stat().st_size // 2**20}
        goals: dict = {}
        rounds_small, rounds_large = (3, 3) if args.quick else (10, 8)
        for label, paths, rounds in (("small", small, rounds_small), ("large", ["media/lecture.mp4"], rounds_large)):
            results = {name: measure(port, paths, rounds) for name, port in ports.items()}
            for name, values in results.items():
                for key, value in values.items():
                    figures[f"{label}_{name}_{key}"] = round(value, 2)
            ratio = results["handler"]["rps"] / results["static"]["rps"]
            figures[f"{label}_throughput_ratio_handler_vs_static"] = round(ratio, 3)
            figures[f"{label}_p50_latency_ratio_handler_vs_static"] = round(
                results["handler"]["p50_ms"] / results["static"]["p50_ms"], 3)
            goals[f"{label}_throughput_ratio"] = goal(ratio, ">=", 0.5)
        wsgi.shutdown()
        static.shutdown()

        huge_mib = args.large_mib or (128 if args.quick else 1024)
        huge = folder / "media" / "lecture-long.mp4"
        block = os.urandom(2**20)
        with open(huge, "wb") as out:
            for _ in range(huge_mib):
                out.write(block)
        peaks = memory(folder.parent, result.sha256, "media/lecture-long.mp4", huge_mib * 2**20)
        figures["memory_file_mib"] = huge_mib
        figures["memory_view_peak_mib"] = round(peaks["view"], 1)
        figures["memory_handler_peak_mib"] = round(peaks["handler"], 1)
        figures["memory_view_seconds"] = round(peaks["view_seconds"], 2)
        figures["memory_handler_seconds"] = round(peaks["handler_seconds"], 2)
        ratio = peaks["view"] / max(peaks["handler"], 0.1)
        figures["memory_peak_ratio_view_vs_handler"] = round(ratio, 4)
        goals["memory_view_peak_mib"] = goal(peaks["view"], "<=", 32)
        goals["memory_peak_ratio"] = goal(ratio, "<=", 0.1)
    report("scorm_assets", args.quick, figures, goals)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xblocks.workbench.settings")
    main()
