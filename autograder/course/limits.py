"""Limits on a submission: files, bytes, what a zip may unpack to, time, kernels at once.

The limits hold wherever a submission's files are copied: ``collect`` (the
student's zip), ``submit`` (a folder or zip handed in), and the staged copy
that nbgrader and the trusted grader read. Sizes are checked from ``lstat``
and from a zip's central directory before anything is read, and again while
bytes are copied, since a file can grow and a zip's headers can lie.

The course's ``nbgrader_config.py`` sets them (``c.SubmissionLimits.<name> = value``);
``course_limits`` reads those lines without running the file.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO

from autograder.course.layout import GENERATED_CONFIG

MIB = 1 << 20
CHUNK = 1 << 20


class LimitError(Exception):
    """A submission went over a limit, or a limit is set wrong (the message names it)."""


@dataclass(frozen=True)
class Limits:
    """Size and time limits of one submission (the whole released assignment is about 6 MB)."""

    max_files: int = 1000  # files in the submission
    max_file_bytes: int = 10 * MIB  # one file (the largest released notebook is 1.9 MB)
    max_total_bytes: int = 25 * MIB  # all files together (a zip: unpacked)
    max_zip_ratio: float = 100.0  # unpacked / packed size of a zip member (deflate of text: < 20)
    # Wall-clock seconds for the whole autograde of one submission (honest: under a minute,
    # a few minutes with --execute); past it, its grading is killed and unfinished tasks get 0.
    max_seconds: int = 900
    # Notebook kernels of one submission running at once with --execute (one core each:
    # their BLAS has one thread); 1 executes the notebooks one after another, as nbgrader does.
    execute_kernels: int = 2

    def describe(self) -> str:
        return (f"at most {self.max_files} files, {self.max_file_bytes / MIB:g} MiB per file, "
                f"{self.max_total_bytes / MIB:g} MiB in all")


DEFAULT_LIMITS = Limits()

_SETTING = re.compile(r"^c\.SubmissionLimits\.(\w+)\s*=\s*(.+?)\s*(?:#.*)?$", re.MULTILINE)


def course_limits(config: Path) -> Limits:
    """The limits set in a course's ``nbgrader_config.py`` (defaults for what it leaves out).

    The generated config beside it (``cs231n_grader_config.py``, loaded first) is read
    first, so a setting in ``nbgrader_config.py`` wins.
    """
    text = ""
    for path in (config.parent / GENERATED_CONFIG, config):
        try:
            text += path.read_text(encoding="utf-8") + "\n"
        except OSError:
            continue
    if not text:
        return DEFAULT_LIMITS
    names = {f.name: f.type for f in fields(Limits)}
    values: dict[str, object] = {}
    for name, expr in _SETTING.findall(text):
        if name not in names:
            raise LimitError(f"{config}: unknown setting SubmissionLimits.{name}")
        try:
            value = ast.literal_eval(expr)
        except (ValueError, SyntaxError):
            raise LimitError(f"{config}: SubmissionLimits.{name} = {expr} is not a number") \
                from None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise LimitError(f"{config}: SubmissionLimits.{name} must be a positive number")
        values[name] = float(value) if name == "max_zip_ratio" else int(value)
    return replace(DEFAULT_LIMITS, **values)  # type: ignore[arg-type]


def size_text(n: float) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{int(n)} bytes"


def copy_stream(src: IO[bytes], dst: IO[bytes], max_bytes: int, what: str) -> int:
    """Copy ``src`` to ``dst`` in chunks; LimitError as soon as more than ``max_bytes`` came."""
    done = 0
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            return done
        done += len(chunk)
        if done > max_bytes:
            raise LimitError(f"{what} is larger than the limit of {size_text(max_bytes)}")
        dst.write(chunk)


def copy_regular_file(src: Path, dst: Path, max_bytes: int, what: str) -> int:
    """Copy the regular file ``src`` (never a link, FIFO or device) with at most ``max_bytes``.

    Opened without following a link and without blocking on a FIFO; its type is
    checked on the open descriptor. Returns the bytes copied; ``dst`` is removed
    when the limit is hit.
    """
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LimitError(f"{what} is not a regular file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as reader, open(dst, "xb") as writer:
            try:
                done = copy_stream(reader, writer, max_bytes, what)
            except LimitError:
                writer.close()
                dst.unlink()
                raise
        os.chmod(dst, stat.S_IMODE(st.st_mode) | stat.S_IRUSR | stat.S_IWUSR)
        return done
    finally:
        os.close(fd)
