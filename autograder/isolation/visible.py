"""What a sandbox shows of the installed Python packages: the allowed ones, never the grader.

The interpreter's prefix, ``/usr`` and a virtual environment may all hold the
``autograder`` package (a system-wide ``pip install``, conda or pyenv without a
venv, Debian's ``dist-packages``, a user site), and with it the reference
solutions and the hidden checks. A sandbox therefore binds the runtime it needs,
then lays an empty tmpfs over every package folder (``site-packages``,
``dist-packages``, the folder ``autograder`` was imported from) and binds back
only the distributions the sandboxed code is allowed to import, file by file as
their ``RECORD`` lists them. The grader's own distribution is never bound back.
"""

from __future__ import annotations

import functools
import glob
import importlib.metadata as metadata
import re
import site
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

# This file is autograder/isolation/visible.py.
GRADER_PACKAGE = Path(__file__).resolve().parents[1]
# Folder names that hold installed distributions, whichever Python or packager made them.
SITE_NAMES = ("site-packages", "dist-packages")
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# CPython (before 3.13) builds sysconfig's table of configuration variables lazily and
# publishes it half-filled, so grading threads that start sandboxes at once could read it
# without 'userbase' (AttributeError from sysconfig.get_paths). Built here, at import,
# before any grading thread exists.
sysconfig.get_config_vars()


def normalize(name: str) -> str:
    """A distribution name in its canonical form (PEP 503), for comparisons."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _site_globs(root: Path) -> list[str]:
    return [str(root / lib / py / where) for lib in ("lib", "lib64", "local/lib")
            for py in ("python3*", "python3") for where in SITE_NAMES]


@functools.lru_cache(maxsize=1)
def site_dirs() -> tuple[Path, ...]:
    """Every existing folder of installed packages this machine's Pythons may use."""
    found: list[str] = [p for p in sys.path if Path(p).name in SITE_NAMES]
    found += [*site.getsitepackages(), site.getusersitepackages()]
    for scheme in sysconfig.get_scheme_names():
        for base in {sys.prefix, sys.base_prefix}:
            try:
                paths = sysconfig.get_paths(scheme, vars={"base": base, "platbase": base})
            except (KeyError, ValueError):  # a scheme of another platform
                continue
            found += [paths.get("purelib", ""), paths.get("platlib", "")]
    roots = {Path("/usr"), Path(sys.prefix), Path(sys.base_prefix), Path(site.getuserbase())}
    for root in roots:
        for pattern in _site_globs(root):
            found += glob.glob(pattern)
    # Wherever a distribution was found (a --target folder on PYTHONPATH, an egg-info).
    found += [str(d.locate_file("")) for d in metadata.distributions()]
    dirs = {Path(p).resolve() for p in found if p}
    return tuple(sorted(d for d in dirs if d.is_dir()))


def grader_dirs() -> list[Path]:
    """The ``autograder`` package and the folder it was imported from (a checkout, a site)."""
    return [GRADER_PACKAGE, GRADER_PACKAGE.parent]


def grader_distributions() -> set[str]:
    """Canonical names of the distributions that ship the ``autograder`` package."""
    owners = metadata.packages_distributions().get("autograder", [])
    return {normalize(n) for n in owners}


def masks(bound: Iterable[Path], keep: Iterable[Path]) -> list[str]:
    """bwrap arguments hiding every package folder under ``bound`` behind an empty tmpfs.

    A folder that holds one of ``keep`` (the standard library, the interpreter, the
    environment) is not hidden itself; only the ``autograder`` package inside it is.
    """
    roots = [p.resolve() for p in bound]
    needed = [p.resolve() for p in keep]
    hidden: list[Path] = []
    for d in [*site_dirs(), *grader_dirs()]:
        if not any(d.is_relative_to(r) for r in roots):
            continue
        if any(k.is_relative_to(d) for k in needed):
            hidden += [GRADER_PACKAGE] if GRADER_PACKAGE.is_relative_to(d) else []
            continue
        hidden.append(d)
    ordered = sorted(set(hidden), key=lambda p: (len(p.parts), str(p)))
    # A folder inside one already hidden needs no mask of its own.
    outer = [d for d in ordered if not any(d != o and d.is_relative_to(o) for o in ordered)]
    args: list[str] = []
    for d in outer:
        args += ["--perms", "0755", "--tmpfs", str(d)]
    return args


def requirement_names(requires: Iterable[str] | None) -> list[str]:
    """Names a distribution needs at run time (requirements of extras left out)."""
    names = []
    for req in requires or ():
        marker = req.partition(";")[2]
        if "extra" in marker:
            continue
        match = _NAME.match(req)
        if match:
            names.append(normalize(match.group(1)))
    return names


def closure(roots: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions ``roots`` need, themselves included; the grader's never."""
    banned = grader_distributions()
    todo = [normalize(n) for n in roots]
    seen: dict[str, metadata.Distribution] = {}
    while todo:
        name = todo.pop()
        if name in seen or name in banned:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        seen[name] = dist
        todo += requirement_names(dist.requires)
    return [seen[n] for n in sorted(seen)]


def top_level_entries(dist: metadata.Distribution) -> list[Path]:
    """The files and folders a distribution put directly into its site folder."""
    location = Path(str(dist.locate_file(""))).resolve()
    names: set[str] = set()
    for file in dist.files or ():
        parts = Path(str(file)).parts
        if parts and parts[0] not in ("..", "__pycache__") and not Path(parts[0]).is_absolute():
            names.add(parts[0])
    if not dist.files:  # no RECORD (some system packagers): the import names and the metadata
        names.update((dist.read_text("top_level.txt") or "").split())
        meta = getattr(dist, "_path", None)
        if meta is not None:
            names.add(Path(str(meta)).name)
    names.discard("autograder")
    entries = [location / n for n in sorted(names)]
    return [e for e in entries if e.exists()]


def bind_back(dists: Iterable[metadata.Distribution]) -> list[str]:
    """bwrap arguments showing, read-only and at their own paths, the files of ``dists``."""
    args: list[str] = []
    for dist in dists:
        for entry in top_level_entries(dist):
            if not entry.resolve().is_relative_to(GRADER_PACKAGE):
                args += ["--ro-bind", str(entry), str(entry)]
    return args
