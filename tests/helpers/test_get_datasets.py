"""datasets/get_datasets.sh, driven with a small fake archive served from a file:// address.

The real download cannot run here (no network); these tests cover everything around it:
success, doing nothing when the data is there, a checksum mismatch, a bad archive, being
offline and having no downloader, each failure as one line on stderr.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import socket
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "get_datasets.sh"
FILES = (
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
    "batches.meta",
)

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None,
    reason="the script's tests drive curl with file:// addresses",
)


def _make_archive(path: Path, files: tuple[str, ...] = FILES) -> str:
    """A tar.gz shaped like CIFAR-10's (a cifar-10-batches-py/ folder); returns its md5."""
    with tarfile.open(path, "w:gz") as tar:
        for name in (*files, "readme.html"):
            payload = f"fake contents of {name}\n".encode()
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the script in a repo-like tree, so the default destination is inside tmp_path."""
    datasets = tmp_path / "repo" / "datasets"
    datasets.mkdir(parents=True)
    shutil.copy2(SCRIPT, datasets / "get_datasets.sh")
    return datasets


@pytest.fixture
def archive(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "served" / "cifar-10-python.tar.gz"
    path.parent.mkdir()
    return path.as_uri(), _make_archive(path)


def _run(
    script: Path, cwd: Path, path: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CS231N_")}
    environment.update(env)
    if path is not None:
        environment["PATH"] = path
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        ["bash", str(script)],
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("get_datasets.sh: error: ")
    return lines[0]


def _no_leftovers(datasets: Path) -> None:
    assert not list(datasets.glob(".cifar10-download.*"))
    assert not list(datasets.rglob("*.tar.gz"))


def test_script_is_strict_and_executable() -> None:
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in text
    assert "c58f30108f718f92721af3b95e74349a" in text
    assert SCRIPT.stat().st_mode & stat.S_IXUSR


def test_downloads_verifies_and_unpacks_from_any_cwd(
    repo: Path, archive: tuple[str, str], tmp_path: Path
) -> None:
    url, md5 = archive
    result = _run(
        repo / "get_datasets.sh",
        tmp_path / "elsewhere",
        CS231N_CIFAR10_URL=url,
        CS231N_CIFAR10_MD5=md5,
    )
    assert result.returncode == 0, result.stderr
    dest = repo / "cifar-10-batches-py"
    for name in (*FILES, "readme.html"):
        assert (dest / name).read_text() == f"fake contents of {name}\n"
    assert "ready" in result.stdout
    _no_leftovers(repo)
    assert sorted(p.name for p in repo.iterdir()) == ["cifar-10-batches-py", "get_datasets.sh"]


def test_second_run_does_nothing(repo: Path, archive: tuple[str, str], tmp_path: Path) -> None:
    url, md5 = archive
    script = repo / "get_datasets.sh"
    assert _run(script, tmp_path, CS231N_CIFAR10_URL=url, CS231N_CIFAR10_MD5=md5).returncode == 0
    before = {p.name: p.stat().st_mtime_ns for p in (repo / "cifar-10-batches-py").iterdir()}
    # An address that cannot be fetched: the run must not even try.
    again = _run(script, tmp_path, CS231N_CIFAR10_URL=(tmp_path / "gone.tar.gz").as_uri())
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout
    after = {p.name: p.stat().st_mtime_ns for p in (repo / "cifar-10-batches-py").iterdir()}
    assert after == before


def test_incomplete_folder_is_completed(
    repo: Path, archive: tuple[str, str], tmp_path: Path
) -> None:
    url, md5 = archive
    dest = repo / "cifar-10-batches-py"
    dest.mkdir()
    (dest / "data_batch_1").write_text("left over from an interrupted run")
    (dest / "notes.txt").write_text("a file of the user's")
    result = _run(
        repo / "get_datasets.sh", tmp_path, CS231N_CIFAR10_URL=url, CS231N_CIFAR10_MD5=md5
    )
    assert result.returncode == 0, result.stderr
    assert (dest / "data_batch_1").read_text() == "fake contents of data_batch_1\n"
    assert (dest / "notes.txt").exists()


def test_destination_from_environment(archive: tuple[str, str], tmp_path: Path) -> None:
    url, md5 = archive
    dest = tmp_path / "somewhere" / "cifar"
    result = _run(
        SCRIPT,
        tmp_path,
        CS231N_CIFAR10_URL=url,
        CS231N_CIFAR10_MD5=md5,
        CS231N_CIFAR10_DIR=str(dest),
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in dest.iterdir()) == sorted((*FILES, "readme.html"))
    _no_leftovers(dest.parent)


def test_checksum_mismatch_installs_nothing(
    repo: Path, archive: tuple[str, str], tmp_path: Path
) -> None:
    url, md5 = archive
    wrong = "0" * 32
    result = _run(
        repo / "get_datasets.sh", tmp_path, CS231N_CIFAR10_URL=url, CS231N_CIFAR10_MD5=wrong
    )
    line = _one_error_line(result)
    assert "checksum mismatch" in line and wrong in line and md5 in line
    assert not (repo / "cifar-10-batches-py").exists()
    _no_leftovers(repo)


def test_default_checksum_is_cifars(repo: Path, archive: tuple[str, str], tmp_path: Path) -> None:
    url, _ = archive
    line = _one_error_line(_run(repo / "get_datasets.sh", tmp_path, CS231N_CIFAR10_URL=url))
    assert "expected md5 c58f30108f718f92721af3b95e74349a" in line


def _fails_to_install(repo: Path, cwd: Path, archive: Path, md5: str) -> str:
    """The one error line of the script fetching a local archive whose checksum matches.

    The archive is unusable, so nothing may be installed.
    """
    result = _run(
        repo / "get_datasets.sh", cwd, CS231N_CIFAR10_URL=archive.as_uri(), CS231N_CIFAR10_MD5=md5
    )
    line = _one_error_line(result)
    assert not (repo / "cifar-10-batches-py").exists()
    return line


def test_archive_that_is_not_a_tarball(repo: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"this is not gzip data")
    md5 = hashlib.md5(bogus.read_bytes()).hexdigest()
    assert "could not unpack" in _fails_to_install(repo, tmp_path, bogus, md5)
    _no_leftovers(repo)


def test_archive_missing_a_batch(repo: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial.tar.gz"
    md5 = _make_archive(partial, files=FILES[1:])
    assert "no complete cifar-10-batches-py" in _fails_to_install(repo, tmp_path, partial, md5)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_fails_with_one_clear_line(repo: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/cifar-10-python.tar.gz"
    line = _one_error_line(_run(repo / "get_datasets.sh", tmp_path, CS231N_CIFAR10_URL=url))
    assert "could not download" in line and "offline" in line and url in line
    assert "CS231N_CIFAR10_URL=file://" in line  # says what to do instead
    assert not (repo / "cifar-10-batches-py").exists()
    _no_leftovers(repo)


def test_missing_file_url_fails_cleanly(repo: Path, tmp_path: Path) -> None:
    url = (tmp_path / "nowhere.tar.gz").as_uri()
    assert "could not download" in _one_error_line(
        _run(repo / "get_datasets.sh", tmp_path, CS231N_CIFAR10_URL=url)
    )


def test_no_downloader(repo: Path, tmp_path: Path) -> None:
    # A PATH with the basic tools the script needs, but neither curl nor wget.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "mkdir", "mktemp", "rm", "tar", "md5sum", "cut"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        (bin_dir / tool).symlink_to(found)
    result = _run(repo / "get_datasets.sh", tmp_path, path=str(bin_dir))
    assert "neither curl nor wget" in _one_error_line(result)
    _no_leftovers(repo)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck_is_clean() -> None:
    result = subprocess.run(
        ["shellcheck", str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
