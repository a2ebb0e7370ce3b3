"""The trusted grader's end of a worker process: start it, talk to it, stop it.

A ``WorkerSession`` runs ``autograder/isolation/worker.py`` in a fresh Python process that
sees only the standard library, a private view of numpy, the grader's copy of the
provided modules and one submission's ``cs231n_core``. Every reply is decoded with
the worker's own codec, so the grader never unpickles or executes anything the
student's process produced. Every request has one deadline covering the whole
exchange (the request written, every callback, the reply's length and body read):
a worker that misses it is killed with its process group, and the task fails with
a timeout.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.isolation import worker as wire
from autograder.isolation.processes import Lifeline, child_setup
from autograder.isolation.sandbox import sandbox_command
from autograder.isolation.scratch import owned_temp_dir
from autograder.isolation.worker import JSONObject

WORKER_SCRIPT = Path(wire.__file__).resolve()
PROVIDED_DIR = Path(__file__).resolve().parents[2] / "cs231n_core"

# Per-process limits; tasks normally need a fraction of each.
MEMORY_LIMIT_BYTES = 2 * 1024**3
CPU_LIMIT_SECONDS = 60
FILE_SIZE_LIMIT_BYTES = 16 * 1024**2
# Processes (and threads) of the worker's user; enforced for the sandbox's unprivileged
# user. Root ignores it, so the unisolated path relies on the wall-clock timeout.
PROCESS_LIMIT = 64


class WorkerFailure(Exception):
    """The student's code could not produce a result (exception, crash, timeout, bad output)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class RemoteObject:
    """A trusted-side object whose methods the worker may call (see worker.Remote)."""

    attrs: dict[str, Any]
    methods: dict[str, Callable[..., Any]]
    remote_id: int = 0


def _private_site() -> Path:
    """A directory holding only numpy (as links), so student code sees no other package."""
    site = owned_temp_dir("grader-site-")
    numpy_dir = Path(np.__file__).resolve().parent
    (site / "numpy").symlink_to(numpy_dir, target_is_directory=True)
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        (site / "numpy.libs").symlink_to(libs, target_is_directory=True)
    return site


_SITE: Path | None = None


def private_site() -> Path:
    global _SITE
    if _SITE is None or not _SITE.exists():
        _SITE = _private_site()
    return _SITE


def _limit_resources() -> None:  # runs in the child before exec
    import resource

    for limit, value in (
        (resource.RLIMIT_AS, MEMORY_LIMIT_BYTES),
        (resource.RLIMIT_CPU, CPU_LIMIT_SECONDS),
        (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT_BYTES),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, PROCESS_LIMIT),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass
    os.setsid()


@dataclass
class WorkerSession:
    """One worker process serving one student module of one submission."""

    package_dir: Path
    timeout: float = 30.0
    proc: subprocess.Popen[bytes] | None = None
    remotes: dict[int, RemoteObject] = field(default_factory=dict)
    callbacks: dict[str, Callable[..., Any]] = field(default_factory=dict)
    _import_message: JSONObject | None = None

    sandboxed: bool = False
    provided_dir: Path = PROVIDED_DIR
    _lifeline: Lifeline | None = None

    def start(self) -> None:
        env = {
            "PATH": "/usr/bin:/bin",
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "HOME": "/tmp",
        }
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                env[key] = os.environ[key]
        keep: tuple[int, ...] = ()
        if self.sandboxed:
            self._lifeline = Lifeline()
            keep = (self._lifeline.reader,)
            argv = sandbox_command(WORKER_SCRIPT, self.package_dir, self.provided_dir,
                                   self._lifeline.reader)
        else:
            argv = [
                sys.executable,
                "-I",
                "-S",
                str(WORKER_SCRIPT),
                str(private_site()),
                str(self.package_dir),
                str(self.provided_dir),
            ]
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=tempfile.gettempdir(),
            preexec_fn=child_setup(_limit_resources),
            pass_fds=keep,
        )
        if self._lifeline is not None:
            self._lifeline.launched()
        # Reads and writes wait on the selector with a deadline, never in the pipe.
        assert self.proc.stdout is not None and self.proc.stdin is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stdin.fileno(), False)

    # -------------------------------------------------------------- messaging

    def _wait(self, fd: int, event: int, deadline: float) -> None:
        """Wait until ``fd`` is ready; past the deadline kill the worker and fail the task."""
        with selectors.DefaultSelector() as sel:
            sel.register(fd, event)
            remaining = deadline - time.monotonic()
            if remaining > 0 and sel.select(remaining):
                return
        self.kill()
        raise WorkerFailure("timeout", f"timed out after {self.timeout:.0f} s")

    def _read_exact(self, n: int, deadline: float) -> bytearray:
        """``n`` bytes of the worker's reply, all of them before the deadline."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            self._wait(fd, selectors.EVENT_READ, deadline)
            try:
                count = os.readv(fd, [view[got:]])
            except BlockingIOError:
                continue
            if count == 0:
                raise EOFError("channel closed")
            got += count
        view.release()
        return buf

    def _read(self, deadline: float) -> JSONObject:
        """One message from the worker: its header and its body, before the deadline."""
        assert self.proc is not None
        try:
            size = wire.message_size(bytes(self._read_exact(wire.HEADER_BYTES, deadline)))
            return wire.parse_message(self._read_exact(size, deadline))
        except EOFError:
            code = self._reap()
            raise WorkerFailure("crash", _describe_exit(code)) from None
        except wire.ProtocolError as exc:
            self.kill()
            raise WorkerFailure("protocol", f"unreadable result: {exc}") from None

    def _send(self, message: JSONObject, deadline: float | None = None) -> None:
        """Write one message; a worker that stops reading it is killed at the deadline."""
        assert self.proc is not None and self.proc.stdin is not None
        view = memoryview(wire.frame(message))
        fd = self.proc.stdin.fileno()
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        try:
            while view:
                self._wait(fd, selectors.EVENT_WRITE, deadline)
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    continue
        except (BrokenPipeError, OSError):
            code = self._reap()
            raise WorkerFailure("crash", _describe_exit(code)) from None

    def _reap(self) -> int:
        """The exit status of a worker that closed its channel (killed if it lingers)."""
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9
        self.proc = None
        self.kill()  # cuts the lifeline: nothing may stay behind in the sandbox
        return code

    def request(self, message: JSONObject) -> JSONObject:
        """Send a request and serve the worker's callbacks until its result arrives.

        A worker that was stopped (crash, timeout, leftover processes) is restarted
        and given the module again before the request.
        """
        if self.proc is None:
            self.start()
            if self._import_message is not None and message is not self._import_message:
                self.request(self._import_message)
        deadline = time.monotonic() + self.timeout
        self._send(message, deadline)
        while True:
            reply = self._read(deadline)
            if reply.get("op") == "callback":
                self._send(self._serve_callback(reply), deadline)
                continue
            if reply.get("children"):
                self.kill()  # processes the student's code left behind go with the worker
            if not reply.get("ok"):
                kind = str(reply.get("kind", "exception"))
                raise WorkerFailure(kind, str(reply.get("error", "unknown error"))[:4000])
            return reply

    def _serve_callback(self, message: JSONObject) -> JSONObject:
        name = str(message.get("name", ""))
        try:
            args = wire.decode(message.get("args"))
            kwargs = wire.decode(message.get("kwargs"))
            if type(args) is not tuple or type(kwargs) is not dict:
                raise wire.ProtocolError("bad callback arguments")
            if name.startswith("remote:"):
                rid, method = name[len("remote:") :].split(".", 1)
                remote = self.remotes[int(rid)]
                state = wire.decode(message.get("self", wire.encode({})))
                if type(state) is not dict:
                    raise wire.ProtocolError("bad remote state")
                value, updates = remote.methods[method](state, *args, **kwargs)
                return {"ok": True, "value": wire.encode(value), "self": wire.encode(updates)}
            fn = self.callbacks[name]
            return {"ok": True, "value": wire.encode(fn(*args, **kwargs))}
        except KeyError:
            return {"ok": False, "error": f"{name} is not available here"}
        except Exception as exc:  # a reference dependency rejected the student's arguments
            return {
                "ok": False,
                "error": f"{name} failed on the arguments it was given: "
                f"{type(exc).__name__}: {exc}",
            }

    # -------------------------------------------------------------- API

    def import_module(
        self, module: str, provided: list[str], proxies: dict[str, Callable[..., Any]] | None = None
    ) -> None:
        proxies = proxies or {}
        self.callbacks = dict(proxies)
        by_module: dict[str, list[str]] = {}
        for name in proxies:
            mod, fn = name.split(".", 1)
            by_module.setdefault(mod, []).append(fn)
        self._import_message = {
            "op": "import",
            "module": module,
            "provided": provided,
            "proxies": by_module,
        }
        try:
            self.request(self._import_message)
        except WorkerFailure as failure:
            if failure.kind != "crash":
                raise
            # A worker can fail to start on a machine under heavy load; the
            # student's import gets one more chance before it counts as a crash.
            self.kill()
            self.request(self._import_message)

    def remote(self, obj: RemoteObject) -> JSONObject:
        """Register a trusted object and return its encoded form for call arguments."""
        obj.remote_id = len(self.remotes) + 1
        self.remotes[obj.remote_id] = obj
        return {
            "t": "remote",
            "id": obj.remote_id,
            "attrs": wire.encode(obj.attrs),
            "methods": list(obj.methods),
        }

    def call(
        self,
        target: str,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
        return_attrs: tuple[str, ...] = (),
        encoded_args: list[JSONObject] | None = None,
        keep: str | None = None,
    ) -> dict[str, Any]:
        """Call a function or method of the student's module; returns decoded parts.

        The reply holds ``value`` (the return value), ``args``/``kwargs`` (the
        arguments as the student's code left them, to see in-place updates) and,
        for methods, ``self`` (the requested attributes; dotted names such as
        ``model.params`` reach into attributes). ``state`` values that are
        RemoteObjects become remotes in the worker; a remote with a ``__call__``
        method is callable there.
        """
        message: JSONObject = {
            "op": "call",
            "target": target,
            "args": {"t": "tuple", "items": encoded_args}
            if encoded_args is not None
            else wire.encode(tuple(args)),
            "kwargs": wire.encode(dict(kwargs or {})),
            "return_attrs": list(return_attrs),
            "keep": keep,
        }
        if state is not None:
            # RemoteObject values of the state become remotes in the worker (e.g. a
            # Solver's model, or a function standing in for one of its methods).
            message["self"] = {
                "t": "dict",
                "items": [
                    [
                        wire.encode(k),
                        self.remote(v) if isinstance(v, RemoteObject) else wire.encode(v),
                    ]
                    for k, v in state.items()
                ],
            }
        reply = self.request(message)
        try:
            out = {k: wire.decode(reply[k]) for k in ("value", "args", "kwargs")}
            if "self" in reply:
                out["self"] = wire.decode(reply["self"])
        except (KeyError, wire.ProtocolError) as exc:
            self.kill()  # a worker that sent an unreadable value is in no state to go on
            raise WorkerFailure("protocol", f"unreadable result: {exc}") from None
        return out

    def kill(self) -> None:
        if self._lifeline is not None:
            self._lifeline.cut()
            self._lifeline = None
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait()
            self.proc = None

    def close(self) -> None:
        if self.proc is not None:
            try:
                self._send({"op": "exit"}, time.monotonic() + 2)
                self.proc.wait(timeout=2)
            except (WorkerFailure, subprocess.TimeoutExpired):
                pass
            self.kill()


def _describe_exit(code: int) -> str:
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {
            "SIGSEGV": " (a segmentation fault)",
            "SIGKILL": " (killed, often for using too much memory or CPU time)",
            "SIGXCPU": " (CPU time limit exceeded)",
            "SIGXFSZ": " (file size limit exceeded)",
        }.get(name, "")
        return f"the process running your code died with {name}{hint}"
    return f"the process running your code exited with status {code} before returning a result"
