"""``python -m cs231n_core.check.handin``: check your folder and zip it for the hand-in.

Run it in the assignment folder (the one holding the notebooks and ``cs231n_core/``)
after *Kernel -> Restart Kernel and Run All Cells* in every notebook. It refuses, with
one line saying what to fix, a notebook that was not run top to bottom in one kernel
session, a cell whose output is an error, or a missing ``cs231n_core/``; otherwise it
writes ``submission.zip`` (the notebooks and ``cs231n_core/`` under ``training_nn/``),
which you upload. It needs nothing but Python: no package to install, any system.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

FOLDER = "training_nn"  # the top-level folder inside the zip, as the grader expects
NOTEBOOK_NAME = re.compile(r"^\d\d_\w+\.ipynb$")  # the course's notebooks: 01_....ipynb
SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


def notebook_problem(path: Path) -> str | None:
    """Why a notebook cannot be handed in as it is, or None when it was run top to bottom."""
    name = path.name
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return f"{name} is not a readable notebook: open it in JupyterLab and save it again"
    expected = 1
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for output in cell.get("outputs") or []:
            if isinstance(output, dict) and output.get("output_type") == "error":
                error = output.get("ename", "an error")
                return (f"{name}: cell {index} ended with {error}: fix it, then restart the "
                        f"kernel and run all cells")
        count = cell.get("execution_count")
        if not source.strip() and count is None:
            continue  # Jupyter gives an empty cell no execution count
        if count != expected:
            found = "no execution count" if count is None else f"execution count {count}"
            return (f"{name} was not run top to bottom (cell {index} has {found}, expected "
                    f"{expected}): restart the kernel, run all cells, save, and collect again")
        expected += 1
    if expected == 1:
        return f"{name} was never run: restart the kernel, run all cells, save, and collect again"
    return None


def handin_files(folder: Path) -> list[Path]:
    """The files that go into the zip: the course notebooks and ``cs231n_core/`` (no caches)."""
    files = [p for p in sorted(folder.glob("*.ipynb")) if NOTEBOOK_NAME.match(p.name)]
    for root, dirs, names in os.walk(folder / "cs231n_core"):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_NAMES)
        files += [Path(root) / n for n in sorted(names) if Path(n).suffix not in SKIP_SUFFIXES]
    return files


def make_zip(folder: Path, out: Path) -> list[str]:
    """Check ``folder`` and zip it into ``out``; the problems found instead (nothing written)."""
    problems = []
    if not (folder / "cs231n_core").is_dir():
        problems.append("cs231n_core/ is missing: run this in the folder you received, with "
                        "your edited cs231n_core/ inside")
    files = handin_files(folder)
    if not any(p.suffix == ".ipynb" for p in files):
        problems.append("no notebook here: run this in the folder that holds the notebooks")
    problems += [p for p in (notebook_problem(f) for f in files if f.suffix == ".ipynb") if p]
    problems += [f"{f.relative_to(folder)} is a symbolic link: replace it with the real file"
                 for f in files if f.is_symlink()]
    if problems:
        return problems
    fd, tmp = tempfile.mkstemp(suffix=".zip.tmp", dir=out.parent)
    os.close(fd)
    try:  # written beside the target and renamed: never half a zip
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, f"{FOLDER}/{path.relative_to(folder).as_posix()}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs231n_core.check.handin",
                                     description="Check this folder and zip it for the hand-in.")
    parser.add_argument("--out", default="submission.zip", help="the zip (submission.zip)")
    args = parser.parse_args(argv)
    folder, out = Path.cwd(), Path(args.out).resolve()
    problems = make_zip(folder, out)
    if problems:
        more = f" ({len(problems)} problems in all)" if len(problems) > 1 else ""
        print(f"not zipped: {problems[0]}{more}", file=sys.stderr)
        return 1
    print(f"wrote {out}: upload it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
