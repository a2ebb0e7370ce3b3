"""Broken submissions: a perfect student-shaped folder with one thing wrong.

``Broken.apply(folder)`` damages a solved submission (notebooks plus ``cs231n_core/``)
in place. ``lost`` names what must earn nothing: task ids, or module names for every
task of that module ("*" for all tasks); every other task keeps full marks.
``message`` is a piece of the feedback each lost task must show (case-insensitive),
so the student learns what went wrong. ``autograde_says`` is what an nbgrader
``autograde`` must tell on top of that, in the task's feedback or in the student's
autograde log (a notebook it could not read, files it left out). The cases only touch
``01_activations_preprocessing.ipynb`` among the notebooks and the ``layers``
module's ``affine_forward`` among the tasks of the course-pipeline fixture, so the
same cases run through ``grade --json`` and through an nbgrader ``autograde``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.registry import TASKS
from tests.catalogue.hostile import replace_function

NOTEBOOK = "01_activations_preprocessing.ipynb"
AFFINE = "layers.affine_forward"


@dataclass(frozen=True)
class Broken:
    name: str
    apply: Callable[[Path], None]
    lost: tuple[str, ...] = ()
    message: str = ""
    autograde_says: str = ""

    def lost_tasks(self) -> set[str]:
        """The task ids that must earn nothing."""
        return {
            t.id
            for t in TASKS
            if "*" in self.lost or t.id in self.lost or t.module in self.lost
        }


def _module(folder: Path, module: str) -> Path:
    return folder / "cs231n_core" / f"{module}.py"


def _edit_function(module: str, name: str, body: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = _module(folder, module)
        path.write_text(replace_function(path.read_text(), name, body))

    return apply


def _affine_returns(expr: str) -> Callable[[Path], None]:
    """affine_forward computes the right ``out`` and then returns ``expr`` in its place."""
    return _edit_function(
        "layers",
        "affine_forward",
        f"""
        import numpy as np
        out = x.reshape(x.shape[0], -1) @ w + b
        cache = (x, w, b)
        return {expr}, cache
        """,
    )


def _malformed_notebook(folder: Path) -> None:
    path = folder / NOTEBOOK
    path.write_text(path.read_text()[: len(path.read_text()) // 2])  # cut off half-way


def _missing_notebook(folder: Path) -> None:
    (folder / NOTEBOOK).unlink()


def _missing_module(folder: Path) -> None:
    _module(folder, "optim").unlink()


def _missing_package(folder: Path) -> None:
    shutil.rmtree(folder / "cs231n_core")


def _latin1_module(folder: Path) -> None:
    path = _module(folder, "optim")
    # Latin-1 bytes in a string, as an editor set to Latin-1 saves "résumé".
    path.write_bytes(path.read_bytes() + b'\nNOTE = "r\xe9sum\xe9"\n')


def _latin1_notebook(folder: Path) -> None:
    path = folder / NOTEBOOK
    text = path.read_bytes()
    # Latin-1 bytes inside a markdown heading: the file is no longer valid UTF-8.
    assert b"# " in text
    path.write_bytes(text.replace(b"# ", b"# \xe9t\xe9 ", 1))


def _unknown_metadata(folder: Path) -> None:
    path = folder / NOTEBOOK
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "nbgrader" in c.get("metadata", {}))
    cell["metadata"]["nbgrader"]["my_note"] = "added by hand"  # not in nbgrader's schema
    path.write_text(json.dumps(nb, indent=1))


def _odd_names(folder: Path) -> None:
    package = folder / "cs231n_core"
    for name in ("my notes.py", "\u00fcbung \u795e.py", "-rf.py", "--help.py", "-x.ipynb"):
        (package / name).write_text("x = 1\n")
    for name in ("draft copy.ipynb", "-rf", "--json", "\u00e9t\u00e9 \u2603.ipynb"):
        (folder / name).write_text("{}")


def _undecodable_names(folder: Path) -> None:
    # Names that are not valid UTF-8 (made on a Latin-1 file system): a module and a notebook.
    (folder / "cs231n_core" / os.fsdecode(b"r\xe9sum\xe9.py")).write_text("x = 1\n")
    (folder / os.fsdecode(b"copie \xe9t\xe9.ipynb")).write_text("{}")


def _huge_print(folder: Path) -> None:
    # About 2 GB of output from affine_backward, then the right answer.
    _edit_function(
        "layers",
        "affine_backward",
        """
        import sys
        line = "x" * (1 << 20)
        for _ in range(2048):
            sys.stdout.write(line)
            print(line, file=sys.stderr)
        x, w, b = cache
        dx = (dout @ w.T).reshape(x.shape)
        dw = x.reshape(x.shape[0], -1).T @ dout
        db = dout.sum(axis=0)
        return dx, dw, db
        """,
    )(folder)


def _slow_import(folder: Path) -> None:
    path = _module(folder, "optim")
    path.write_text(path.read_text() + "\nimport time\n\ntime.sleep(60)  # a very slow import\n")


BROKEN: list[Broken] = [
    Broken("malformed notebook JSON", _malformed_notebook,
           autograde_says="could not be read: it is not valid JSON"),
    Broken("missing notebook", _missing_notebook),
    Broken("missing module", _missing_module, ("optim",), "cs231n_core/optim.py is missing"),
    Broken("missing cs231n_core/", _missing_package, ("*",), "cs231n_core/ is missing"),
    Broken("non-UTF-8 bytes in a module", _latin1_module, ("optim",), "not valid UTF-8"),
    Broken("non-UTF-8 bytes in a notebook", _latin1_notebook,
           autograde_says="could not be read: it is not valid UTF-8"),
    Broken("a key nbgrader does not know in a cell's nbgrader metadata", _unknown_metadata,
           autograde_says="unknown nbgrader metadata my_note removed"),
    Broken("oddly named files (spaces, unicode, leading dash)", _odd_names),
    Broken("file names that are not valid UTF-8", _undecodable_names,
           autograde_says="r\\xe9sum\\xe9.py': its name is not valid UTF-8"),
    Broken("NaN in the result", _affine_returns("np.full_like(out, np.nan)"), (AFFINE,), "nan"),
    Broken("inf in the result", _affine_returns("out / 0.0 + np.inf"), (AFFINE,), "inf"),
    Broken("wrong shape", _affine_returns("out.ravel()"), (AFFINE,), "shape"),
    Broken("wrong dtype (integers)", _affine_returns("out.astype(np.int64)"), (AFFINE,), "dtype"),
    Broken("wrong dtype (complex)", _affine_returns("out.astype(np.complex128)"), (AFFINE,),
           "dtype"),
    Broken("Python list instead of an array", _affine_returns("out.tolist()"), (AFFINE,), "list"),
    Broken("a 10^8-element array returned", _affine_returns("np.zeros(10**8)"), (AFFINE,),
           "too large"),
    Broken("about 2 GB printed", _huge_print),
    Broken("a module that takes a minute to import", _slow_import, ("optim",), "timed out"),
]
