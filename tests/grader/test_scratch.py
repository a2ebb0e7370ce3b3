"""What a grading process stages once goes when it exits, removed by that process alone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.isolation.kernel_sandbox import SOCKET_PATH_BYTES, kernel_run_dir

# Stages a folder, then forks a child that exits normally (running the same exit hooks,
# as the warm nbgrader server's runs do) and says whether the folder survived it.
SCRIPT = """\
import os, sys
from autograder.isolation.scratch import owned_temp_dir
folder = owned_temp_dir("staged-")
(folder / "file").write_text("x")
print(folder, flush=True)
pid = os.fork()
if pid == 0:
    sys.exit(0)
os.waitpid(pid, 0)
print(folder.is_dir(), flush=True)
"""


def test_a_staged_folder_outlives_a_forked_child_and_goes_with_its_maker(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(tmp_path)}, timeout=60, check=True)
    folder, survived = proc.stdout.split()
    assert Path(folder).parent == tmp_path
    assert survived == "True"
    assert not Path(folder).exists()
    assert list(tmp_path.iterdir()) == []


def test_a_kernels_sockets_fit_their_path_under_a_deep_temporary_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    folder = kernel_run_dir()
    try:
        assert len(os.fsencode(folder / "kernel-99999")) <= SOCKET_PATH_BYTES
        assert list(deep.iterdir()) == []  # the folder too deep for a socket was removed
    finally:
        folder.rmdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shallow = kernel_run_dir()
    assert shallow.parent == tmp_path
