"""The submission service as students meet it: ``cs231n-course serve`` on a loopback port.

``running_service`` builds the one-task fixture course with a roster of two students,
issues their tokens and an instructor's with ``cs231n-course tokens``, and starts the
real server (uvicorn) in a subprocess whose output (the access log) goes to a file.
``Visitor`` is one browser's worth of HTTP: its own cookies, the CSRF token of the last
page it read.
"""

from __future__ import annotations

import contextlib
import csv
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from autograder.course import cli
from autograder.course.layout import Course
from benchmarks.service import Browser
from tests.course.test_term import zip_folder
from tests.fixtures.browser import base_url, free_port, local_server
from tests.fixtures.course_notebook import new_fixture_course

STUDENTS = ("ada", "bo")
INSTRUCTOR = "staff"
ROSTER = "id,first_name,last_name\nada,Ada,Lovelace\nbo,Bo,Diddley\n"
START_SECONDS = 60.0


@dataclass
class Running:
    """A running service and what the tests need to talk to it."""

    url: str
    course: Course
    tokens: dict[str, str]  # person id -> token, from tokens.csv
    log: Path  # the server's stdout and stderr: uvicorn's access log
    perfect_zip: Path  # the perfect submission, zipped as students hand it in


def read_tokens(course: Course) -> dict[str, str]:
    with open(course.root / "service" / "tokens.csv", newline="") as f:
        return {row["id"]: row["token"] for row in csv.DictReader(f)}


def roster_course(base: Path) -> tuple[Course, Path]:
    """The one-task fixture course with the roster of ``STUDENTS``; its perfect submission."""
    course, perfect = new_fixture_course(base)
    (base / "roster.csv").write_text(ROSTER)
    assert cli.main(["roster", "import", str(course.root), str(base / "roster.csv")]) == 0
    return course, perfect


@contextlib.contextmanager
def running_service(base: Path) -> Iterator[Running]:
    course, perfect = roster_course(base)
    assert cli.main(["tokens", str(course.root), "--instructor", INSTRUCTOR]) == 0
    port = free_port()
    log = base / "serve.log"
    argv = [sys.executable, "-m", "autograder.course.cli", "serve", str(course.root),
            "--port", str(port), "--workers", "1"]
    # SIGINT: uvicorn's clean stop, and the worker pool stops with it.
    with local_server(argv, log, f"{base_url(port)}/login", "the service", START_SECONDS,
                      signal.SIGINT):
        yield Running(base_url(port), course, read_tokens(course), log,
                      _write(base / "perfect.zip", zip_folder(perfect)))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


class Visitor(Browser):
    """One browser's HTTP (``Browser``) with the service the tests started."""

    def __init__(self, service: Running) -> None:
        super().__init__(service.url, timeout=30)
        self.service = service

    def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True,
             **kwargs) -> httpx.Response:
        data = dict(data or {})
        if csrf:
            data["csrf"] = self.csrf
        return self.client.post(path, data=data, **kwargs)

    def sign_in(self, person: str) -> httpx.Response:
        self.get("/login")
        response = self.post("/login", {"token": self.service.tokens[person]})
        self.get("/")
        return response

    def submit(self, zip_path: Path) -> httpx.Response:
        with open(zip_path, "rb") as f:
            return self.post("/submit", files={"submission": (zip_path.name, f,
                                                              "application/zip")})

    def wait_graded(self, timeout: float = 90.0) -> str:
        """The student page once no attempt waits or is being graded."""
        deadline = time.monotonic() + timeout
        while True:
            page = self.get("/").text
            if 'http-equiv="refresh"' not in page:  # it reloads while an attempt waits
                return page
            assert time.monotonic() < deadline, f"not graded in {timeout} s:\n{page}"
            time.sleep(0.5)
