"""Helpers of the browser tests: Debian's Chromium driven by Playwright, a private JupyterLab.

Playwright is used without its own browser downloads: it launches the system
Chromium found on PATH. Without Playwright or Chromium the browser tests are
skipped, except under CI (``CI`` set), where they must run and therefore fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SCREENSHOT_ENV = "CS231N_SCREENSHOTS"

# Checks every rendered page must pass: no horizontal overflow, every image decoded,
# no Python traceback anywhere in the visible text.
PAGE_PROBLEMS_JS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  for (const el of [document.documentElement, document.body]) {
    if (el.scrollWidth > width + 1) {
      problems.push(`${el.tagName} is ${el.scrollWidth}px wide in a ${width}px viewport`);
    }
  }
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) problems.push(`image not loaded: ${img.alt}`);
  }
  if (document.body.innerText.includes("Traceback")) problems.push("a traceback is shown");
  return problems;
}"""


def missing(reason: str) -> None:
    """Skip locally; under CI the browser checks are required, so fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests required under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    missing("no Chromium on PATH (Debian: apt-get install chromium)")
    raise AssertionError("unreachable")


def screenshot(page, name: str, folder: Path, full_page: bool = True) -> Path:
    """Save a PNG into ``folder`` and, when $CS231N_SCREENSHOTS is set, a copy there."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    extra = os.environ.get(SCREENSHOT_ENV)
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quiet_lab_settings(settings_dir: Path) -> None:
    # No "official Jupyter news?" toast over the notebook and no update check (offline).
    path = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@contextlib.contextmanager
def jupyter_lab(root: Path, state: Path, timeout: float = 60.0) -> Iterator[str]:
    """Run JupyterLab on ``root`` with private config, settings and runtime folders in ``state``.

    Yields the base URL; the token is passed as a query parameter by ``lab_url``.
    """
    for sub in ("config", "settings", "workspaces", "runtime"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    _quiet_lab_settings(state / "settings")
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
    )
    for quiet in ("NBGRADER_EXECUTION", "TQDM_DISABLE"):  # a student's kernel has neither
        env.pop(quiet, None)
    port = free_port()
    argv = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # CI containers run as root
    log_path = state / "jupyter-lab.log"
    with open(log_path, "w") as log:
        # Own session: the server and the kernels it starts can be stopped as one group.
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join(log_path.read_text().splitlines()[-15:])
                    pytest.fail(f"JupyterLab did not start:\n{tail}", pytrace=False)
                time.sleep(0.25)
        yield base
    finally:
        proc.terminate()  # the server shuts its kernels down
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


TOKEN = "cs231n-browser-test"


def lab_url(base: str, path: str) -> str:
    # reset: a clean workspace, so tabs opened by an earlier page are not restored
    return f"{base}/lab/tree/{path}?reset&token={TOKEN}"
