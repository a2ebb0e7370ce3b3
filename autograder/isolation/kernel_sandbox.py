"""The notebook kernel of ``autograde --execute`` inside the bubblewrap sandbox.

nbgrader executes a student's notebook in an IPython kernel that jupyter_client
starts from the kernel spec's command line. ``SandboxedKernelManager`` (set as
``Execute.kernel_manager_class`` by ``autograder.course.autograde_one`` when the sandbox is
available) wraps that command line in bubblewrap: the kernel sees a read-only
file system holding only the Python runtime, the packages the notebooks need
(``KERNEL_DISTRIBUTIONS`` and what they require; every other installed package,
the ``autograder`` among them, is hidden, see ``visible``) and the notebook's own folder, a
private /tmp, no network, its own process, IPC and host-name namespaces, a
cleared environment, an unprivileged uid of its own (when the grader runs as
root) and resource limits. It talks to nbgrader over ZeroMQ's ``ipc``
transport: the connection file and the sockets live in one private folder that
is the only writable place shared with the sandbox, so no network namespace is
shared either.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from autograder.isolation.processes import Lifeline, bound_to_this_process
from autograder.isolation.sandbox import (
    UID_BASE,
    UID_RANGE,
    _base_binds,
    _mkdirs,
    python_runtime,
    sandbox_available,
    shared_library_binds,
    watchdog,
)
from autograder.isolation.scratch import owned_temp_dir
from autograder.isolation.visible import bind_back, closure, masks, site_dirs

KERNEL_MEMORY_BYTES = 4 * 1024**3
KERNEL_CPU_SECONDS = 3600
KERNEL_FILE_BYTES = 64 * 1024**2
KERNEL_PROCESSES = 64
# Environment variables the kernel keeps (by prefix); everything else is cleared.
KEEP_ENV = ("CS231N_", "NBGRADER_", "TQDM_", "OMP_", "OPENBLAS_", "MKL_", "LANG", "LC_", "TZ")
# What the course's notebooks import: the kernel itself and the packages of the students'
# requirements.txt (JupyterLab and nbgrader, tools around the notebooks, are not needed
# inside a kernel). Their dependencies are found from the installed metadata.
KERNEL_DISTRIBUTIONS = ("ipykernel", "numpy", "matplotlib", "tqdm", "ipywidgets", "mnist1d")


# A unix socket's path holds at most 107 bytes (sun_path); the kernel's sockets are
# "<run dir>/kernel-<n>", n counting up from 1.
SOCKET_PATH_BYTES = 107


def kernel_run_dir() -> Path:
    """A new folder for one kernel's sockets and connection file.

    Under the temporary directory (where a warm nbgrader server's folder goes with it),
    unless that is too deep for a socket's path: then under /tmp.
    """
    folder = Path(tempfile.mkdtemp(prefix="cs231n-kernel-"))
    if len(os.fsencode(folder / "kernel-99999")) <= SOCKET_PATH_BYTES:
        return folder
    folder.rmdir()
    return Path(tempfile.mkdtemp(prefix="cs231n-kernel-", dir="/tmp"))


class SandboxedKernelManager(AsyncKernelManager):
    """An async kernel manager whose kernel runs under bubblewrap, over ipc sockets."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._run_dir = kernel_run_dir()
        self._uid = UID_BASE + (os.getpid() * 7919 + id(self)) % UID_RANGE
        self.transport = "ipc"
        self.ip = str(self._run_dir / "kernel")
        self.connection_file = str(self._run_dir / "kernel.json")
        self._lifeline: Lifeline | None = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        # Set by pre_start_kernel before it formats the command; jupyter_client types
        # its values as traitlets.Any (the trait class), hence the plain Any here.
        launch_args: dict[str, Any] | None = self._launch_args
        assert launch_args is not None
        cwd = Path(launch_args.get("cwd") or os.getcwd()).resolve()
        env = launch_args.get("env") or os.environ
        if os.geteuid() == 0:  # the kernel's own uid must create its sockets and read the file
            os.chown(self._run_dir, self._uid, self._uid)
            os.chown(self.connection_file, self._uid, self._uid)
        os.chmod(self._run_dir, 0o700)
        if self._lifeline is not None:  # a restart: the old kernel's sandbox ends
            self._lifeline.cut()
        self._lifeline = Lifeline()
        return bound_to_this_process(kernel_sandbox_command(cmd, cwd, self._run_dir, env,
                                                            self._uid, self._lifeline.reader))

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # jupyter_client hands these keywords on to Popen, which closes every other fd.
        assert self._lifeline is not None
        try:
            await super()._async_launch_kernel(
                kernel_cmd, **kw, pass_fds=(self._lifeline.reader,))
        finally:
            self._lifeline.launched()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if self._lifeline is not None:
                self._lifeline.cut()
            shutil.rmtree(self._run_dir, ignore_errors=True)


@functools.lru_cache(maxsize=1)
def _kernel_packages() -> tuple[str, ...]:
    """bwrap arguments showing the installed files of the kernel's packages (found once)."""
    return tuple(bind_back(closure(KERNEL_DISTRIBUTIONS)))


@functools.lru_cache(maxsize=1)
def font_cache() -> Path | None:
    """matplotlib's list of fonts as a kernel builds it, made once per grading process.

    A kernel's /tmp (its ``MPLCONFIGDIR``) starts empty, so without this every notebook's
    first plot import scans the fonts again and runs ``fc-list``, which cannot read the
    font configuration inside the sandbox and writes an error into the setup cell. The
    list is built here the same way (the font folders, no ``fc-list``) and shown read-only
    in each kernel's /tmp; None when it could not be built (a kernel then builds its own).
    """
    folder = owned_temp_dir("cs231n-fonts-")
    env = {"MPLCONFIGDIR": str(folder), "HOME": str(folder), "PATH": ""}
    try:
        subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    found = sorted(folder.glob("fontlist-*.json"))
    if not found:
        return None
    found[0].chmod(0o644)
    folder.chmod(0o755)  # readable by the kernel's own uid
    return found[0]


# Prints the cache files of the embedded dataset as the notebooks load it, made first if missing:
# the setup cells' draw (seed 42) and the second draw of notebook 06's transfer experiment (43).
# Only these files are copied, never the folder: it also holds the held-out draw the grader
# scores the model-quality tasks on (``checks.tuning``), which no kernel may see.
_FIND_DATA = ("from cs231n_core.data_utils import mnist1d_cache_file\n"
              "for seed in (42, 43):\n    print(mnist1d_cache_file(seed) or '')")
# Where a kernel looks for it: cs231n_core's default cache folder under the kernel's HOME (/tmp).
KERNEL_DATA_CACHE = "/tmp/.cache/cs231n_core"


@functools.lru_cache(maxsize=1)
def data_cache() -> Path | None:
    """The notebooks' embedded dataset (MNIST-1D), found or generated once per grading process.

    A kernel's HOME (/tmp) starts empty, so without this every notebook's setup cell
    generates the dataset again (about 1 s each on an idle 2-core machine), where a notebook
    run outside the sandbox reads the copy cached under the user's home. The grader's
    ``cs231n_core`` finds that copy (or makes it) and the files are copied to a folder shown
    read-only where the kernel's ``cs231n_core.data_utils`` looks; a kernel whose copy does
    not match them generates its own. None when there is nothing to show.
    """
    folder = owned_temp_dir("cs231n-data-")
    fonts = font_cache()  # mnist1d imports matplotlib: the font list made above, not a new one
    env = {**os.environ, "MPLCONFIGDIR": str(fonts.parent)} if fonts is not None else None
    try:
        found = subprocess.run([sys.executable, "-I", "-c", _FIND_DATA], env=env, text=True,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=300,
                               check=True).stdout.splitlines()
        found = [name for name in found if name]  # an empty line: no usable cache for a seed
        for name in found:
            shutil.copyfile(name, folder / Path(name).name)
    except (OSError, subprocess.SubprocessError):
        return None
    if not found:
        return None
    for path in folder.iterdir():
        path.chmod(0o644)
    folder.chmod(0o755)  # readable by the kernel's own uid
    return folder


def prepare() -> None:
    """Find the kernel's packages now, in a long-lived process, before runs are forked.

    The warm nbgrader server calls this once: each forked ``--execute`` run then builds
    its kernels' command lines from the cached list instead of reading every installed
    distribution's metadata again (about 1 s per submission on an idle 2-core machine),
    and each kernel finds matplotlib's font list (``font_cache``) and the embedded dataset
    (``data_cache``) ready.
    """
    if sandbox_available():
        _kernel_packages()
        site_dirs()
        font_cache()
        data_cache()


def _parents(target: Path) -> list[str]:
    """bwrap arguments creating the ancestors of ``target`` traversable by the kernel's uid."""
    return [arg for pair in zip(*[iter(_mkdirs(target))] * 4)
            if pair[3] != "/tmp" for arg in pair]


def kernel_sandbox_command(
    cmd: list[str], cwd: Path, run_dir: Path, env: Mapping[str, str], uid: int, lifeline: int
) -> list[str]:
    """The bwrap command line running the kernel command ``cmd`` for a notebook in ``cwd``.

    ``lifeline`` is the reader of the ``processes.Lifeline`` that ends the sandbox.
    """
    prefix, _ = python_runtime()
    args = [shutil.which("bwrap") or "bwrap", *_base_binds(),
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    fonts = font_cache()
    if fonts is not None and fonts.is_file():  # read-only: no kernel changes the next one's
        args += ["--ro-bind", str(fonts), f"/tmp/{fonts.name}"]
    data = data_cache()
    if data is not None and data.is_dir():  # under a /tmp/.cache the kernel may still write to
        args += ["--perms", "1777", "--dir", str(Path(KERNEL_DATA_CACHE).parent),
                 "--ro-bind", str(data), KERNEL_DATA_CACHE]
    # Everything below comes after the private /tmp, which would otherwise hide a
    # virtual environment, a notebook or the kernel's sockets kept under /tmp.
    bound = list(dict.fromkeys([prefix, Path(sys.prefix).resolve()]))
    for path in bound:
        if not str(path).startswith("/usr/"):
            args += [*_parents(path), "--ro-bind", str(path), str(path)]
    args += shared_library_binds()
    # Hide every installed package (an installed autograder sits among them, references
    # and all), then show again those the notebooks need.
    interpreter = Path(sys.executable).resolve()
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    args += masks([Path("/usr"), Path("/lib"), Path("/lib64"), *bound],
                  keep=[stdlib, interpreter, Path(sys.prefix)])
    args += _kernel_packages()
    binds, watched = watchdog(interpreter, lifeline)
    args += [*binds,
        *_parents(cwd), "--ro-bind", str(cwd), str(cwd),
        *_parents(run_dir), "--bind", str(run_dir), str(run_dir),
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
        "--chdir", str(cwd), "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "MPLCONFIGDIR", "/tmp", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
    ]  # fmt: skip
    for name, value in sorted(env.items()):
        if name.startswith(KEEP_ENV):
            args += ["--setenv", name, value]
    prlimit = shutil.which("prlimit", path="/usr/bin:/bin")  # util-linux, like setpriv
    limits = [prlimit, f"--as={KERNEL_MEMORY_BYTES}", f"--cpu={KERNEL_CPU_SECONDS}",
              f"--fsize={KERNEL_FILE_BYTES}", "--core=0"] if prlimit else []
    if os.geteuid() == 0:
        # The process limit counts per uid, so it only means something for the kernel's own uid.
        limits += [f"--nproc={KERNEL_PROCESSES}"] if prlimit else []
        drop = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--no-new-privs"]
    else:
        args.insert(1, "--unshare-user")
        drop = []
    return [*args, *watched, *limits, *drop, *cmd]
