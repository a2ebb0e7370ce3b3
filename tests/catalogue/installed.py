"""A Python installation with the instructors' distribution installed beside numpy.

The worst case for "nothing to find": the project installed (not editable) into the
very prefix whose interpreter runs the grader and the worker, as a system-wide
``pip install``, conda or pyenv without a virtual environment would leave it, and
again into a user site. ``installed_prefix()`` builds one once per process: a
fresh prefix holding a copy of this interpreter and its standard library (hard
links where the file system allows), numpy in its ``site-packages``, and the
project's wheel installed there by pip; the same wheel goes into a user site
(``PYTHONUSERBASE``). ``grade_in`` grades a submission with that interpreter,
exactly as ``cs231n-course grade --json`` does. ``with_kernel`` adds ipykernel and
what it requires (linked from this environment, without a download), so that the
notebook kernel's sandbox can be built by that interpreter too.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.isolation.visible import closure, top_level_entries

ROOT = Path(__file__).resolve().parents[2]
GRADE = (
    "import json, sys\n"
    "from autograder.grading import grade_submission\n"
    "report = grade_submission(sys.argv[1], sys.argv[2].split(','), seed=3, timeout=60)\n"
    "print(json.dumps({**report.to_dict(), 'sandboxed': report.sandboxed,\n"
    "                  'notices': report.notices}))\n"
)


@dataclass(frozen=True)
class Prefix:
    python: Path  # the prefix's interpreter
    site: Path  # its site-packages: numpy and the project's wheel
    user_base: Path  # a user base whose user site holds the project's wheel too

    def env(self, user_site: bool = False) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        if user_site:
            env["PYTHONUSERBASE"] = str(self.user_base)
        else:
            env["PYTHONNOUSERSITE"] = "1"
        return env


def _link_tree(src: Path, dest: Path, skip: set[str]) -> None:
    def link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dest, symlinks=True, copy_function=link,
                    ignore=lambda _d, names: [n for n in names if n in skip])


def _source_copy(dest: Path) -> Path:
    """What the root distribution is built from, copied: a build leaves files where it runs."""
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("pyproject.toml", "README.md"):
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    for name in ("autograder", "cs231n_core", "benchmarks"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    return dest


def _build(work: Path) -> Prefix:
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = work / "prefix"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(base, prefix / "bin" / version)
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    _link_tree(stdlib, prefix / "lib" / version,
               {"site-packages", "dist-packages", "test", "idlelib", "tkinter", "__pycache__"})
    site = prefix / "lib" / version / "site-packages"
    site.mkdir()
    python = prefix / "bin" / version
    # numpy goes in as installed files (its wheel's folders and metadata, linked).
    numpy_dir = Path(np.__file__).resolve().parent
    for entry in numpy_dir.parent.iterdir():
        if entry.name in ("numpy", "numpy.libs") or (
            entry.name.startswith(f"numpy-{np.__version__}") and entry.name.endswith(".dist-info")
        ):
            _link_tree(entry, site / entry.name, set())
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(_source_copy(work / "source"))], check=True, capture_output=True,
                   timeout=600)
    wheel = next(wheels.glob("cs231n_training_nn-*.whl"))
    user_base = work / "userbase"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    for extra, env in (([], {}), (["--user"], {"PYTHONUSERBASE": str(user_base)})):
        subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index",
                        "--ignore-installed", *extra, str(wheel)], check=True,
                       capture_output=True, timeout=600, env={**clean, **env}, cwd=work)
    for d in (work, prefix):
        os.chmod(d, 0o755)  # the sandbox's unprivileged uid walks down to the interpreter
    return Prefix(python, site, user_base)


@functools.lru_cache(maxsize=1)
def installed_prefix() -> Prefix:
    """The prefix, built on first use and removed when this process exits."""
    work = Path(tempfile.mkdtemp(prefix="cs231n-prefix-"))
    atexit.register(shutil.rmtree, work, True)
    return _build(work)


def grade_in(prefix: Prefix, submission: Path, tasks: list[str],
             user_site: bool = False, extra_env: dict[str, str] | None = None) -> dict:
    """Grade ``tasks`` of ``submission`` with the prefix's interpreter; the report as a dict."""
    env = {**prefix.env(user_site), **(extra_env or {})}
    run = subprocess.run([str(prefix.python), "-c", GRADE, str(submission), ",".join(tasks)],
                         capture_output=True, text=True, timeout=300, env=env, cwd=submission)
    if run.returncode != 0:
        raise RuntimeError(f"grading failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def imported_from(prefix: Prefix, user_site: bool = False) -> Path:
    """Where the prefix's interpreter imports the ``autograder`` package from."""
    code = "import autograder; print(autograder.__file__)"
    run = subprocess.run([str(prefix.python), "-c", code], capture_output=True, text=True,
                         timeout=60, env=prefix.env(user_site), check=True, cwd="/")
    return Path(run.stdout.strip()).parent


@functools.lru_cache(maxsize=1)
def with_kernel() -> Prefix:
    """The prefix of ``installed_prefix`` with ipykernel and its requirements installed too."""
    prefix = installed_prefix()
    for dist in closure(["ipykernel"]):
        for entry in top_level_entries(dist):
            target = prefix.site / entry.name
            if target.exists():
                continue
            if entry.is_dir():
                _link_tree(entry, target, {"__pycache__"})
            else:
                os.link(entry, target)
    return prefix
