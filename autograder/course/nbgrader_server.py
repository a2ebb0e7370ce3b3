"""The warm nbgrader server: nbgrader imported once, one forked process per run.

Started by ``autograder.course.warm_nbgrader`` (which describes the design) as
``python -m autograder.course.nbgrader_server``; it is not meant to be run by hand.
Each request line on stdin (JSON: ``cwd``, ``args``, ``log``) is served by a forked
run process that becomes ``nbgrader <args>`` in ``cwd``, with stdout and stderr in
``log``; the server answers ``{"pid": ...}`` and, once the run ended, ``{"exit": code}``.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from pathlib import Path
from typing import IO, Any

import jsonschema  # type: ignore[import-untyped]  # no stubs installed
import nbformat
from nbformat.validator import get_validator
from nbgrader.apps import nbgraderapp
from nbgrader.nbgraderformat import common as nbgrader_format
from sqlalchemy.orm import configure_mappers

# Imported once, here, for every run the server forks: the point of the server. The
# course config imports the plugin; the kernel manager is named by --execute runs.
import autograder.course.nbgrader_plugin  # noqa: F401
from autograder.course.concurrent_execute import install as install_autograde_converter
from autograder.course.sanitize import remember_markdown
from autograder.course.shared_engine import shared_engines
from autograder.isolation import kernel_sandbox
from autograder.isolation.processes import die_with_parent


def send(out: IO[bytes], message: dict) -> None:
    out.write((json.dumps(message) + "\n").encode())
    out.flush()


def run_process(request: dict, server: int) -> None:
    """In the forked run process: become ``nbgrader <args>`` run in ``cwd``; never returns."""
    code = 1
    try:
        os.setsid()  # a session of its own, as a fresh nbgrader process had
        die_with_parent(server)
        os.chdir(request["cwd"])
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        devnull = os.open(os.devnull, os.O_RDONLY)
        for fd, target in ((devnull, 0), (log, 1), (log, 2)):
            os.dup2(fd, target)
        os.close(log)
        os.close(devnull)
        sys.argv = ["nbgrader", *request["args"]]
        try:
            nbgraderapp.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # into the run's log, as the interpreter reports it
        sys.excepthook(*sys.exc_info())
    finally:
        # The interpreter's own exit steps (atexit hooks: the plugin drops its snapshots),
        # without unwinding into the server's loop.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            atexit._run_exitfuncs()
        finally:
            os._exit(code)


class SchemaCheckedOnce:
    """``jsonschema`` as nbgrader's cell-metadata validator uses it, each schema checked once.

    nbgrader validates the metadata of every nbgrader cell, twice per notebook, with
    ``jsonschema.validate``, which first checks the schema itself against the JSON
    Schema meta-schema: about a quarter of an autograde run's CPU time, for nbgrader's
    own constant schema. Here the schema is checked and its validator built once per
    server; each cell is still validated and the same error (``best_match``) raised.
    """

    def __init__(self) -> None:
        self._validators: dict[str, Any] = {}

    def validate(self, instance: object, schema: dict) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name: str) -> object:
        return getattr(jsonschema, name)


def warm_up() -> None:
    """Do once what every run would do on first use.

    nbformat compiles its schema validators, SQLAlchemy sets up the mappers of
    nbgrader's gradebook classes, and a server for ``--execute`` runs finds the
    packages its notebook kernels may import.
    """
    for relax in (False, True):
        get_validator(nbformat.current_nbformat, nbformat.current_nbformat_minor,
                      relax_add_props=relax)
    configure_mappers()
    nbgrader_format.jsonschema = SchemaCheckedOnce()
    if os.environ.get("CS231N_EXECUTE_NOTEBOOKS") == "1":  # a server for --execute runs
        kernel_sandbox.prepare()


def remember_course_markdown(course: Path, remembered: set[tuple[str, int, int]]) -> None:
    """Before the forks: clean the markdown of the course's source notebooks not seen yet.

    A scratch course per submission holds copies (same name, size and modification
    time), which are not read again.
    """
    fresh = []
    for path in sorted(course.glob("source/*/*.ipynb")):
        try:
            stat = path.stat()
        except OSError:
            continue
        key = (path.name, stat.st_size, stat.st_mtime_ns)
        if key not in remembered:
            remembered.add(key)
            fresh.append(path)
    remember_markdown(fresh)


def serve() -> None:
    """One forked run per request line, until stdin closes."""
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    # Nothing printed after start-up may reach the protocol pipe or the parent's stderr.
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    warm_up()
    # Every notebook's sanitize pass runs while the trusted grader works (sanitize_first),
    # and --execute runs execute several notebooks at once (concurrent_execute).
    install_autograde_converter()
    server = os.getpid()
    send(replies, {"ready": server})
    remembered: set[tuple[str, int, int]] = set()
    # Each run's gradebooks share one engine per URL (made in the run, after the fork).
    with shared_engines():
        for line in requests:
            request = json.loads(line)
            remember_course_markdown(Path(request["cwd"]), remembered)
            pid = os.fork()
            if pid == 0:
                replies.close()
                run_process(request, server)
            send(replies, {"pid": pid})
            _, status = os.waitpid(pid, 0)
            send(replies, {"exit": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
