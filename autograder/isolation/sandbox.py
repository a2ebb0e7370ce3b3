"""Where student code runs: a bubblewrap sandbox when available, else a limited subprocess.

The sandbox (Debian package ``bubblewrap``) shows the worker a read-only file system
holding only the Python runtime, numpy, the worker script, the grader's copy of the
provided modules and one submission's staged ``cs231n_core``; a private /tmp; no
network; its own process, IPC and host-name namespaces. Every folder of installed
packages under the runtime it binds is hidden behind an empty tmpfs (see
``visible``), so the ``autograder`` package stays out of sight however it was
installed. When the grader runs as root, the worker drops to an unprivileged uid of
its own so process limits apply.

Without bubblewrap, grading refuses to start (``require_isolation``) unless the
instructor opts out: ``--allow-unsandboxed`` (``CS231N_ALLOW_UNSANDBOXED=1``) or
``CS231N_SANDBOX=off``, which forces the unisolated path (benchmarks, tests). The
worker then runs with the same resource limits and without the ``autograder``
package on its path, but it can read what the grader's user can read, and every
report says loudly that it was not isolated.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np

from autograder.isolation.scratch import owned_temp_dir
from autograder.isolation.visible import masks

# Each worker runs as its own unprivileged uid (no account needed), so the process
# limit of one submission's fork bomb never starves another worker of processes.
UID_BASE = 200_000
UID_RANGE = 500_000
_uid_counter = itertools.count()
TMPFS_BYTES = 64 * 1024**2
MAX_STAGED_FILE_BYTES = 4 * 1024**2
NO_ISOLATION_NOTICE = (
    "WARNING: graded WITHOUT isolation (bubblewrap unavailable or disabled): student code ran "
    "in a plain subprocess with resource limits only"
)


# Several submissions are graded at once (--jobs, Dask workers): a multi-threaded BLAS
# in every notebook kernel and grading worker would oversubscribe the cores (measured:
# --jobs 2 --execute 4x slower per submission than one at a time). One thread is also
# what the stored notebook outputs were made with.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# The instructor's explicit opt-out of the refusal (set by --allow-unsandboxed).
ALLOW_UNSANDBOXED_ENV = "CS231N_ALLOW_UNSANDBOXED"
_FALSE = ("0", "off", "false", "no")


class SandboxUnavailable(RuntimeError):
    """Grading was asked to run student code without isolation and nobody opted out."""


def sandbox_disabled() -> bool:
    """True when ``CS231N_SANDBOX=off`` forces the unisolated path."""
    return os.environ.get("CS231N_SANDBOX", "").strip().lower() in _FALSE


def unsandboxed_allowed() -> bool:
    """True when the instructor opted out of isolation explicitly."""
    allowed = os.environ.get(ALLOW_UNSANDBOXED_ENV, "").strip().lower()
    return sandbox_disabled() or (allowed != "" and allowed not in _FALSE)


def require_isolation() -> bool:
    """Whether student code runs sandboxed; refuses when it cannot and nobody opted out."""
    if sandbox_available():
        return True
    if unsandboxed_allowed():
        return False
    raise SandboxUnavailable(
        "refusing to grade: bubblewrap is not available (install the Debian package "
        "'bubblewrap' and check that `bwrap --ro-bind / / true` runs), so student code "
        "could read the reference solutions and the gradebook. To grade without isolation "
        "anyway, pass --allow-unsandboxed (or set CS231N_ALLOW_UNSANDBOXED=1)."
    )


@functools.lru_cache(maxsize=1)
def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    probe = [bwrap, *_base_binds(), "--unshare-net", "--die-with-parent", "/bin/true"]
    if os.geteuid() != 0:
        probe[1:1] = ["--unshare-user"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def sandbox_available() -> bool:
    return not sandbox_disabled() and _bwrap_works()


def _base_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    if Path("/etc/ld.so.cache").exists():
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args


def _mkdirs(target: Path) -> list[str]:
    """bwrap arguments creating every ancestor of ``target`` world-readable."""
    args: list[str] = []
    for parent in reversed(target.parents):
        # /tmp is the sandbox's own tmpfs, made before, and keeps its sticky 1777.
        if str(parent) not in ("/", "/usr", "/tmp") and not str(parent).startswith("/usr/"):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def python_runtime() -> tuple[Path, Path]:
    """(installation prefix, interpreter) of the Python running the grader."""
    prefix = Path(sys.base_prefix).resolve()
    interpreter = Path(sys._base_executable if hasattr(sys, "_base_executable") else sys.executable)
    return prefix, interpreter.resolve()


def stage_package(source: Path, dest: Path) -> list[str]:
    """Copy the regular ``.py`` files of a submitted ``cs231n_core`` into ``dest``.

    Symlinks, special files and oversized files are skipped (and named in the
    returned notices), so nothing outside the submission is ever read through it.
    """
    notices: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o755)
    if not source.is_dir() or source.is_symlink():
        return notices
    for entry in sorted(source.iterdir(), key=lambda p: p.name):
        name = entry.name
        if not name.endswith(".py"):
            continue
        st = entry.lstat()
        if stat.S_ISLNK(st.st_mode):
            notices.append(f"cs231n_core/{name} is a symbolic link and was ignored")
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if st.st_size > MAX_STAGED_FILE_BYTES:
            notices.append(f"cs231n_core/{name} is larger than 4 MiB and was ignored")
            continue
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as src, open(dest / name, "wb") as out:
            out.write(src.read(MAX_STAGED_FILE_BYTES + 1)[:MAX_STAGED_FILE_BYTES])
        os.chmod(dest / name, 0o644)
    return notices


@functools.lru_cache(maxsize=1)
def staged_provided(provided_dir: str, names: tuple[str, ...]) -> Path:
    """A world-readable copy of the grader's provided modules (staged once per process)."""
    out = owned_temp_dir("grader-provided-")
    os.chmod(out, 0o755)
    for name in names:
        src = Path(provided_dir) / f"{name}.py"
        if src.is_file():
            shutil.copyfile(src, out / src.name)
            os.chmod(out / src.name, 0o644)
    return out


def numpy_dirs() -> list[Path]:
    numpy_dir = Path(np.__file__).resolve().parent
    dirs = [numpy_dir]
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        dirs.append(libs)
    return dirs


def shared_library_binds() -> list[str]:
    """bwrap arguments showing the interpreter's own libpython where it lives outside the prefix.

    A copied or relocated interpreter keeps loading the library from the folder it
    was built for; only that file is shown, never the folder's packages.
    """
    libdir, soname = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
    if not libdir or not soname:
        return []
    library = Path(libdir) / soname
    prefix, _ = python_runtime()
    if not library.is_file() or library.resolve().is_relative_to(prefix):
        return []
    if str(library).startswith("/usr/"):
        return []
    return [*_mkdirs(library), "--ro-bind", str(library.resolve()), str(library)]


WATCHDOG_SCRIPT = Path(__file__).with_name("watchdog.py")


def watchdog(interpreter: Path, lifeline: int) -> tuple[list[str], list[str]]:
    """(bwrap arguments showing the watchdog at /grader, the command starting it on ``lifeline``).

    The command goes right before the sandboxed program (and its uid drop).
    """
    binds = ["--perms", "0755", "--dir", "/grader",
             "--ro-bind", str(WATCHDOG_SCRIPT), "/grader/watchdog.py"]
    return binds, [str(interpreter), "-I", "-S", "/grader/watchdog.py", str(lifeline)]


def sandbox_command(worker: Path, package_dir: Path, provided_dir: Path,
                    lifeline: int) -> list[str]:
    """The bwrap command line that runs the worker on a staged package.

    ``lifeline`` is the reader of the ``processes.Lifeline`` that ends the sandbox.
    """
    prefix, interpreter = python_runtime()
    # The private /tmp comes first: a runtime kept under /tmp is bound over it below.
    args = [shutil.which("bwrap") or "bwrap", *_base_binds(),
            "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp"]
    if not str(prefix).startswith("/usr/"):
        args += [*_mkdirs(prefix), "--ro-bind", str(prefix), str(prefix)]
    args += shared_library_binds()
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    if not stdlib.is_relative_to(prefix) and not str(stdlib).startswith("/usr/"):
        args += [*_mkdirs(stdlib), "--ro-bind", str(stdlib), str(stdlib)]
    # No installed package but numpy (bound below at /grader/site) is in sight.
    roots = [Path("/usr"), Path("/lib"), Path("/lib64"), prefix, stdlib]
    args += masks(roots, keep=[stdlib, interpreter])
    binds, watched = watchdog(interpreter, lifeline)
    args += [*binds, "--perms", "0755", "--dir", "/grader/site"]
    for d in numpy_dirs():
        args += ["--ro-bind", str(d), f"/grader/site/{d.name}"]
    args += [
        "--ro-bind", str(worker), "/grader/worker.py",
        "--ro-bind", str(provided_dir), "/grader/provided",
        "--perms", "0755", "--dir", "/submission",
        "--ro-bind", str(package_dir), "/submission/cs231n_core",
        "--proc", "/proc", "--dev", "/dev",
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
        "--chdir", "/tmp",
    ]  # fmt: skip
    if os.geteuid() == 0:
        uid = UID_BASE + (os.getpid() * 7919 + next(_uid_counter)) % UID_RANGE
        drop = [
            "/usr/bin/setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--no-new-privs",
        ]
    else:
        args.insert(1, "--unshare-user")
        drop = []
    return [
        *args,
        *watched,
        *drop,
        str(interpreter),
        "-I",
        "-S",
        "/grader/worker.py",
        "/grader/site",
        "/submission/cs231n_core",
        "/grader/provided",
    ]
