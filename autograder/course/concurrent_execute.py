"""nbgrader's autograde with a submission's notebooks executed a few at a time.

nbgrader's ``Autograde`` executes one notebook (its ``Execute`` preprocessor, first of
the autograde pass) and grades it before it starts the next one, so one kernel, which
uses one core (one BLAS thread), runs at a time. Here, once every notebook is sanitized
(``sanitize_first``), the sanitized notebooks start executing in a pool of at most
``execute_kernels`` threads, each with its own ``Execute`` built exactly as the autograde
pass builds it (its configuration, kernel manager, timeouts) and the pass's environment
(``NBGRADER_EXECUTION=autograde``, set once for all of them). Each kernel is its own
process; nbclient runs each in the thread's own event loop.

Each notebook's autograde pass still runs in nbgrader's order; in ``Execute``'s place a
preprocessor takes that notebook's executed result: what ``Execute`` logged, replayed
into the run's log at that place, then the executed notebook, or ``Execute``'s exception
raised again. Every later preprocessor, the gradebook and the executed outputs are thus
what nbgrader's order gives. The run's log differs by two lines per notebook (when its
execution started and ended), by what the kernel managers log from the threads, and by
the pool's frames in a logged traceback. When a notebook's pass fails (a kernel that
died), nbgrader abandons the submission; the kernels still running are then killed.

The warm nbgrader server installs this converter (``install``) before it forks any run;
``cs231n-course autograde --execute`` sets ``execute_kernels`` from the course's
``SubmissionLimits``. Without ``Execute`` among the autograde preprocessors, or with one
kernel at a time, it is ``SanitizeFirstAutograde``.
"""

from __future__ import annotations

import logging
import os
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode, validator
from nbgrader import utils
from nbgrader.apps import autogradeapp
from nbgrader.preprocessors import Execute
from traitlets import Integer

from autograder.course.sanitize_first import SanitizeFirstAutograde
from autograder.isolation.processes import kill_tree

EXECUTING = "Executing %s ahead"  # the log's events of the pool (tests read their order)
EXECUTED = "Executed %s ahead"


class _Records(logging.Handler):
    """Keeps the records of one notebook's execution until its autograde pass replays them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class _Ahead:
    """One notebook executing (or executed) in the pool."""

    path: str  # the sanitized notebook, which its autograde pass reads
    execute: Execute
    records: _Records
    source: NotebookNode | None = None  # the notebook as the pass hands it to Execute
    future: Future[NotebookNode] = field(default_factory=Future)


def read_as_exported(path: str) -> NotebookNode:
    """The notebook at ``path`` as nbconvert's exporter hands it to its first preprocessor."""
    with open(path, encoding="utf-8") as f:
        nb = nbformat.read(f, as_version=4)
    _, nb = validator.normalize(nb)
    return nb


class ConcurrentExecuteAutograde(SanitizeFirstAutograde):
    """``SanitizeFirstAutograde`` executing up to ``execute_kernels`` notebooks at once."""

    execute_kernels = Integer(
        1, help="Notebooks executed at once by the autograde passes' Execute (1: nbgrader's order)."
    ).tag(config=True)

    _pool: ThreadPoolExecutor | None = None
    _kind: type[Execute] = Execute  # the configured Execute class, found at the first pass
    _ahead: dict[str, _Ahead]
    _window: ExitStack | None = None  # the pool's environment, until the pool stops

    def _execution_env(self) -> AbstractContextManager[None]:
        return nullcontext() if self._window is not None else super()._execution_env()

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        if self._sanitizing or not self.execute_kernels > 1:
            return
        found = [p for p in self.exporter._preprocessors if isinstance(p, Execute)]
        if len(found) != 1:
            return
        if self._pool is None:
            self._start(type(found[0]))
        self.exporter._preprocessors = [self._take if isinstance(p, Execute) else p
                                        for p in self.exporter._preprocessors]

    def _start(self, kind: type[Execute]) -> None:
        """Start executing every sanitized notebook of the submission, in nbgrader's order."""
        self._kind, self._ahead = kind, {}
        self._window = ExitStack()
        self._window.enter_context(utils.setenv(NBGRADER_EXECUTION="autograde"))
        level = self.log.getEffectiveLevel()
        self._pool = ThreadPoolExecutor(self.execute_kernels, thread_name_prefix="execute")
        for name in self.notebooks:
            path = os.path.normpath(os.path.join(self.writer.build_directory,
                                                 os.path.basename(name)))
            records = _Records()
            logger = logging.Logger(self.log.name, level)  # Execute's lines, kept for its pass
            logger.addHandler(records)
            # As Exporter.register_preprocessor builds it, with the log kept aside.
            ahead = _Ahead(path, kind(parent=self.exporter, log=logger), records)
            ahead.future = self._pool.submit(self._execute, ahead)
            self._ahead[path] = ahead

    def _execute(self, ahead: _Ahead) -> NotebookNode:
        """In a pool thread: ``Execute`` on the notebook, as the autograde pass would run it."""
        self.log.info(EXECUTING, ahead.path)
        try:
            ahead.source = read_as_exported(ahead.path)
            path, base = os.path.split(ahead.path)
            resources = {"metadata": {"path": path, "name": os.path.splitext(base)[0]}}
            # Execute changes the notebook in place: the pass compares against source.
            nb, _ = ahead.execute(nbformat.from_dict(ahead.source), resources)
            return nb
        finally:
            self.log.info(EXECUTED, ahead.path)

    def _take(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """In ``Execute``'s place in an autograde pass: the result executed in the pool."""
        meta = resources.get("metadata", {})
        path = os.path.normpath(os.path.join(meta.get("path", ""), meta.get("name", "") + ".ipynb"))
        ahead = self._ahead.pop(path, None)
        if ahead is None:  # not one the pool executed: Execute runs it here
            return self._execute_here(nb, resources)
        try:
            executed = ahead.future.result()
        finally:
            for record in ahead.records.records:
                self.log.handle(record)
        if ahead.source != nb:  # changed since the pool read it: nbgrader's order decides
            return self._execute_here(nb, resources)
        return executed, resources

    def _execute_here(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """``Execute`` in the pass, as nbgrader runs it."""
        return self._kind(parent=self.exporter)(nb, resources)

    def _stop(self) -> None:
        """Stop the pool: queued notebooks are dropped, running kernels killed."""
        if self._pool is None:
            return
        for ahead in self._ahead.values():
            if not ahead.future.cancel():
                km = getattr(ahead.execute, "km", None)
                kernel = getattr(getattr(km, "provisioner", None), "process", None)
                if isinstance(kernel, subprocess.Popen) and kernel.poll() is None:
                    kill_tree(kernel.pid)  # nbclient then ends that execution (a dead kernel)
        self._pool.shutdown(wait=True)
        self._pool = None
        self._ahead = {}
        if self._window is not None:
            self._window.close()
            self._window = None

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        self._stop()  # the last submission's pool, should its conversion have failed
        super().init_assignment(assignment_id, student_id)

    def convert_notebooks(self) -> None:
        try:
            super().convert_notebooks()
        finally:
            self._stop()


def install() -> None:
    """Make ``nbgrader autograde`` in this process use :class:`ConcurrentExecuteAutograde`."""
    autogradeapp.Autograde = ConcurrentExecuteAutograde
