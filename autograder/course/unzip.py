"""Unpacking a submission zip: checked from its central directory, extracted counting bytes.

``check_zip`` refuses, before a byte is extracted, a zip whose members would
leave the target folder (absolute names, ``..``, backslashes, drive letters),
are symbolic links or special files, repeat a name, or go over the limits
(files, bytes per member and in all, unpacked/packed ratio: a zip bomb).
``extract_zip`` then writes each member while counting the bytes that really
come out, since the sizes in a zip's headers can lie.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.course.limits import MIB, LimitError, Limits, copy_stream, size_text

ASSIGNMENT_PREFIX = "training_nn/"  # collect's zips hold one top-level folder
UNIX = 3  # ZipInfo.create_system of a zip made on Unix (external_attr holds st_mode)
# Small members compress far better than the ratio limit without being a bomb (a 1 MB run
# of spaces is 1 KB); the ratio applies above this size.
RATIO_FROM_BYTES = MIB


@dataclass(frozen=True)
class Member:
    info: zipfile.ZipInfo
    path: PurePosixPath  # where it goes, relative to the submission folder


def _member_problem(info: zipfile.ZipInfo, name: str, limits: Limits) -> str | None:
    """Why one zip member must not be extracted, or None."""
    parts = PurePosixPath(name).parts
    if (name.startswith("/") or "\\" in name or ".." in parts or not parts
            or ":" in parts[0] or "\0" in name):
        return "its name would leave the submission folder (path traversal)"
    mode = info.external_attr >> 16 if info.create_system == UNIX else 0
    if stat.S_ISLNK(mode):
        return "it is a symbolic link"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "it is a special file (device, FIFO or socket)"
    if info.file_size > limits.max_file_bytes:
        return (f"it unpacks to {size_text(info.file_size)}, over the limit of "
                f"{size_text(limits.max_file_bytes)} per file")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FROM_BYTES and ratio > limits.max_zip_ratio:
        return (f"it unpacks to {ratio:.0f} times its packed size, over the limit of "
                f"{limits.max_zip_ratio:g} (a zip bomb)")
    return None


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> list[Member]:
    """The members to extract; LimitError naming the first that is refused."""
    infos = zf.infolist()  # the central directory: nothing is decompressed
    names = [i.filename for i in infos]
    strip = bool(names) and all(n.startswith(ASSIGNMENT_PREFIX) for n in names)
    members: list[Member] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename[len(ASSIGNMENT_PREFIX):] if strip else info.filename
        problem = _member_problem(info, name.rstrip("/"), limits) if name else None
        if not name or (info.is_dir() and not problem):
            continue
        if problem:
            raise LimitError(f"zip member '{info.filename[:200]}': {problem}")
        key = str(PurePosixPath(name))
        if key in seen:
            raise LimitError(f"zip member '{info.filename[:200]}' appears twice")
        seen.add(key)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise LimitError(f"the zip unpacks to more than the limit of "
                             f"{size_text(limits.max_total_bytes)} in all")
        members.append(Member(info, PurePosixPath(name)))
        if len(members) > limits.max_files:
            raise LimitError(f"the zip holds more than the limit of {limits.max_files} files")
    return members


def extract_zip(zf: zipfile.ZipFile, members: list[Member], dest: Path, limits: Limits) -> None:
    """Write ``members`` under the new folder ``dest``, counting bytes as they come out."""
    dest.mkdir()
    left = limits.max_total_bytes
    for member in members:
        target = dest.joinpath(*member.path.parts)
        if dest.resolve() not in target.resolve().parents:
            raise LimitError(f"zip member '{member.info.filename[:200]}' would leave the "
                             f"submission folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        # A member may say it is smaller than it is: never more than it said, nor the limits.
        allowed = min(member.info.file_size, limits.max_file_bytes, left)
        with zf.open(member.info) as src, open(target, "xb") as out:
            left -= copy_stream(src, out, allowed, f"zip member '{member.info.filename[:200]}'")
