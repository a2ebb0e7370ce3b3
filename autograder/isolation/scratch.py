"""Temporary folders that end with the process that made them.

A grading process stages a few folders once (the numpy-only site of the grading workers,
the provided modules, the notebook kernels' font list and dataset) and reuses them for
every submission it grades. Each one is removed when that process exits, and only by it:
processes forked from it (the warm nbgrader server's runs) run the same exit hooks, and
the folder is still in use by the process that made it.

A process that is killed runs no exit hook. The warm nbgrader server is always ended that
way, so its parent gives it a folder of its own as ``TMPDIR`` and removes that folder once
the server is gone (``autograder.course.warm_nbgrader``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def _remove_if_owner(folder: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def owned_temp_dir(prefix: str) -> Path:
    """A new folder under the temporary directory, removed when this process exits."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(_remove_if_owner, folder, os.getpid())
    return folder
