"""Hostile and broken submissions: each is the solved ``layers`` module with one attack.

``Hostile.build(solved, paths)`` returns the module text. ``paths`` holds absolute
paths an attacker might know (the course's gradebook, the reference source), so the
attacks are written with worst-case knowledge. ``targets`` are the tasks whose
functions were replaced by the attack (they must earn nothing); with
``breaks_module`` every task of the module must earn nothing; every other task must
keep full marks. ``isolated_only`` attacks would harm the machine or the course
directory without the sandbox and are run only when bubblewrap is active.
``notebook`` attacks change the student's notebooks as well (they only matter to an
nbgrader ``autograde``; ``grade --json`` reads the modules alone). ``slow`` cases
run into a time limit and are left out of the autograde class to keep it short.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


def replace_function(source: str, name: str, body: str) -> str:
    """Replace the body of top-level function ``name`` (signature kept) with ``body``."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = source.splitlines(keepends=True)
            start = node.body[0].lineno - 1  # the docstring line
            if isinstance(node.body[0], ast.Expr) and len(node.body) > 1:
                start = node.body[1].lineno - 1
            end = node.end_lineno or start
            new = textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
            return "".join(lines[:start]) + new + "".join(lines[end:])
    raise KeyError(name)


def prepend(code: str) -> Callable[[str, dict], str]:
    """Attack code that runs when the module is imported, before the solved code."""

    def build(src: str, paths: dict) -> str:
        future = "from __future__ import annotations\n"
        head, sep, tail = src.partition(future)
        return head + sep + textwrap.dedent(code).format(**paths) + "\n" + tail

    return build


def in_function(name: str, body: str) -> Callable[[str, dict], str]:
    return lambda src, paths: replace_function(src, name, body.format(**paths))


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[str, dict], str]
    targets: tuple[str, ...] = ()
    breaks_module: bool = False
    isolated_only: bool = False
    may_lose: bool = False  # the attack may break the student's own honest functions too
    extra_files: dict[str, str] = field(default_factory=dict)  # name -> symlink target key
    notebook: Callable[[Path], None] | None = None  # edits the submitted folder's notebooks
    slow: bool = False


AFFINE = ("layers.affine_forward",)
NOTEBOOK = "01_activations_preprocessing.ipynb"
RENAMED = "01_activations_preprocessing (final version).ipynb"


def _forge(path: Path) -> None:
    """Claim full marks in the notebook JSON: grade cells print their points, points raised."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            meta["points"] = 100.0
            cell.source = "print(2.0)\n2.0"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="2.0\n"),
                            nbformat.v4.new_output("execute_result", {"text/plain": "2.0"},
                                                   execution_count=1)]
    nbformat.write(nb, path)


def renamed_notebook(forge: bool) -> Callable[[Path], None]:
    """Rename the course notebook; with ``forge``, also forge it and put a forged copy back."""

    def apply(folder: Path) -> None:
        (folder / NOTEBOOK).rename(folder / RENAMED)
        if forge:
            _forge(folder / RENAMED)
            (folder / NOTEBOOK).write_bytes((folder / RENAMED).read_bytes())

    return apply


NOT_DONE = in_function("affine_forward", "raise NotImplementedError")


def writes_then_answers(name: str, write: str) -> Hostile:
    """affine_forward runs ``write`` (a statement over ``paths``), then answers correctly.

    The write fails inside the sandbox, so the function raises and loses its points;
    without the sandbox it would succeed, so these attacks run only when isolated.
    """
    body = f"{write}\nreturn x.reshape(x.shape[0], -1) @ w + b, None"
    return Hostile(name, in_function("affine_forward", body), AFFINE, isolated_only=True)

HOSTILES: list[Hostile] = [
    Hostile(
        "imports the autograder's reference",
        in_function(
            "affine_forward",
            """
        from autograder.reference.layers import affine_forward as ref
        return ref(x, w, b)
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "execs the reference found on disk",
        in_function(
            "affine_forward",
            """
        ns = {{}}
        exec(open("{reference}").read(), ns)
        return ns["affine_forward"](x, w, b)
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "searches the file system for the reference and hidden checks",
        in_function(
            "affine_forward",
            """
        import os
        for root, dirs, files in os.walk("/"):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr")]
            for f in files:
                if f in ("layers.py",) and "reference" in root or f == "gradebook.db":
                    ns = {{}}
                    exec(open(os.path.join(root, f)).read(), ns)
                    return ns["affine_forward"](x, w, b)
        raise RuntimeError("nothing found")
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "reads the course source folder",
        in_function(
            "affine_forward",
            """
        import os
        return os.listdir("{source}")
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "monkeypatches numpy comparisons at import",
        prepend("""
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        """),
        (),
    ),
    Hostile(
        "patches builtins at import",
        prepend("""
        import builtins
        builtins.isinstance = lambda *a: True
        builtins.type = lambda *a: object
        """),
        (),
        may_lose=True,
    ),
    Hostile(
        "returns an ndarray subclass whose comparisons always succeed",
        in_function(
            "affine_forward",
            """
        class Liar(np.ndarray):
            def __eq__(self, other):
                return True
        out = np.zeros((x.shape[0], w.shape[1])).view(Liar)
        return out, None
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "returns an object equal to everything",
        in_function(
            "affine_forward",
            """
        class Everything:
            def __eq__(self, other):
                return True
            shape = (x.shape[0], w.shape[1])
        return Everything(), None
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "returns a masked array",
        in_function(
            "affine_forward",
            """
        out = np.ma.masked_all((x.shape[0], w.shape[1]))
        return out, None
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "hard-codes an output of the public self-check's shape",
        in_function(
            "affine_forward",
            """
        return np.linspace(-0.5, 0.5, 12).reshape(2, 6)[:, :w.shape[1]], None
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "loops forever",
        in_function(
            "affine_forward",
            """
        while True:
            pass
        """,
        ),
        AFFINE,
        slow=True,
    ),
    Hostile(
        "allocates memory without bound",
        in_function(
            "affine_forward",
            """
        hog = []
        while True:
            hog.append(np.ones(50_000_000))
        """,
        ),
        AFFINE,
        slow=True,
    ),
    Hostile(
        "fork bomb",
        in_function(
            "affine_forward",
            """
        import os
        while True:
            os.fork()
        """,
        ),
        AFFINE,
        isolated_only=True,
    ),
    Hostile(
        "writes a huge file",
        in_function(
            "affine_forward",
            """
        with open("/tmp/huge", "wb") as f:
            while True:
                f.write(b"x" * 1_000_000)
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "prints without end",
        in_function(
            "affine_forward",
            """
        for _ in range(300_000):
            print("spam " * 20)
        return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
        """,
        ),
        (),
    ),
    Hostile(
        "calls sys.exit",
        in_function(
            "affine_forward",
            """
        import sys
        sys.exit(0)
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "calls os._exit",
        in_function(
            "affine_forward",
            """
        import os
        os._exit(0)
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "segfaults through ctypes",
        in_function(
            "affine_forward",
            """
        import ctypes
        ctypes.string_at(0)
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "raises at import time",
        prepend("raise RuntimeError('broken at import')"),
        breaks_module=True,
    ),
    Hostile(
        "has a syntax error",
        lambda src, paths: src + "\ndef broken(:\n    pass\n",
        breaks_module=True,
    ),
    writes_then_answers(
        "overwrites the gradebook", 'open("{gradebook}", "wb").write(b"corrupted")'
    ),
    writes_then_answers(
        "writes next to the course", 'open("{course}/planted.txt", "w").write("planted")'
    ),
    Hostile(
        "opens a network socket",
        in_function(
            "affine_forward",
            """
        import socket
        socket.create_connection(("127.0.0.1", 22), timeout=2)
        return x.reshape(x.shape[0], -1) @ w + b, None
        """,
        ),
        AFFINE,
    ),
    Hostile(
        "changes directory and environment for later tasks",
        prepend("""
        import os
        os.chdir("/")
        os.environ["OMP_NUM_THREADS"] = "64"
        """),
        (),
    ),
    Hostile(
        "links the gradebook, /etc/passwd and the reference into the package",
        lambda src, paths: src,
        (),
        extra_files={
            "gradebook.py": "gradebook",
            "passwd.py": "/etc/passwd",
            "check.py": "reference",
        },
    ),
    Hostile(
        "replaces the module file by a link to the reference",
        lambda src, paths: src,
        breaks_module=True,
        extra_files={"layers.py": "reference"},
    ),
    Hostile(
        "renames a course notebook (graded under its own name)",
        lambda src, paths: src,
        (),
        notebook=renamed_notebook(forge=False),
    ),
    Hostile(
        "renames a course notebook and forges one under its name",
        NOT_DONE,  # no honest work on the task the forged notebook claims
        AFFINE,
        notebook=renamed_notebook(forge=True),
    ),
]
