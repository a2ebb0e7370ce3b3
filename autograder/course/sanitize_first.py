"""nbgrader's autograde with every notebook's sanitize pass before the first autograde pass.

nbgrader's ``Autograde`` converter runs both passes of one notebook (sanitize: repair
and overwrite the cells against the release; autograde: execute when asked, then the
grades) before it starts the next notebook. Only the autograde pass needs the trusted
grader's report (``TrustedGrades``), and ``autograde`` makes that report beside the
run (``grade_beside``). In nbgrader's order, five notebooks' sanitize passes wait for
the report behind the first notebook's autograde pass; in this order they run while
the grader works, and only the autograde passes follow the report. The notebooks, the
gradebook and the logs' content are the same; only the order of the passes differs.

The warm nbgrader server installs a subclass of this converter (``concurrent_execute``)
before it forks any run. It relies on ``Autograde``'s ``_sanitizing`` flag and
``_init_preprocessors``, as ``Autograde.convert_single_notebook`` itself does;
``tests/course/test_sanitize_first.py`` fails if those change.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

from nbgrader import utils
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter


class SanitizeFirstAutograde(Autograde):
    """``Autograde`` whose first notebook's conversion sanitizes every notebook first."""

    _sanitized: set[str]

    def _execution_env(self) -> AbstractContextManager[None]:
        """The environment of an autograde pass, as ``Autograde`` sets it around the pass."""
        return utils.setenv(NBGRADER_EXECUTION="autograde")

    def _pass(self, notebook_filename: str, sanitizing: bool) -> None:
        """One of nbgrader's two passes over one notebook, as ``Autograde`` runs it."""
        self._sanitizing = sanitizing
        self._init_preprocessors()
        try:
            if sanitizing:
                self.log.info("Sanitizing %s", notebook_filename)
                BaseConverter.convert_single_notebook(self, notebook_filename)
            else:
                self.log.info("Autograding %s", notebook_filename)
                with self._execution_env():
                    BaseConverter.convert_single_notebook(self, notebook_filename)
        finally:
            self._sanitizing = True  # nbgrader's resting state, which its other steps read

    def convert_single_notebook(self, notebook_filename: str) -> None:
        if not hasattr(self, "_sanitized"):
            self._sanitized = set()
        # self.notebooks: the submission's notebooks, in the order nbgrader converts them.
        for name in [notebook_filename, *self.notebooks]:
            if name not in self._sanitized:
                self._pass(name, sanitizing=True)
                self._sanitized.add(name)
        sanitized = os.path.join(self.writer.build_directory, os.path.basename(notebook_filename))
        self._pass(sanitized, sanitizing=False)

