"""Fixtures every test may use: the shared SCORM packages, a real workbench server, the system Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("MOOC_BRIDGE_FIXTURES", ROOT.parent / "shared" / "fixtures"))
CHROMIUM = os.environ.get("MOOC_BRIDGE_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Playwright's sync API runs an event loop in the test thread; the Django ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing(what: str) -> None:
    """In CI a missing prerequisite fails the test; elsewhere it is skipped with the reason."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: this is a failure, not a skip)")
    pytest.skip(what)


@pytest.fixture(autouse=True)
def _no_language_leaks():
    """A test that activates a language in this thread must not change the language of the next one."""
    yield
    try:
        from django.utils import translation

        translation.deactivate()
    except Exception:
        pass


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real packages in ../shared/fixtures, read in place."""
    if not (SHARED_FIXTURES / "scorm").is_dir():
        _missing(f"the shared fixtures are not at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Wait until something listens on 127.0.0.1:``port``; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class WorkbenchServer:
    """A real ``mooc-bridge workbench`` process on 127.0.0.1 with its own SQLite file and storage."""

    def __init__(self, home: Path, extra_args: list[str] | None = None):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MOOC_BRIDGE_HOME": str(home), "DJANGO_SETTINGS_MODULE": "xblocks.workbench.settings"}
        self.log = open(home / "server.out", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xblocks.cli", "workbench", "--port", str(self.port), *(extra_args or [])],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, process=self.process)
        except Exception:
            self.stop()
            raise RuntimeError((home / "server.out").read_text(errors="replace")[-4000:]) from None

    def stop(self) -> None:
        """Stop the server and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def workbench_server(tmp_path_factory):
    """The workbench with the demo scenarios of every block, served for the whole session."""
    server = WorkbenchServer(tmp_path_factory.mktemp("workbench"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """The system Chromium driven by Playwright (``playwright install`` cannot download a browser here)."""
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context and page; JavaScript errors on the page are collected in ``page.errors``."""
    context = chromium.new_context()
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
