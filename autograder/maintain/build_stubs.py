"""Generate the student modules of ``cs231n_core`` from ``autograder/reference``.

Every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block in a reference module
is replaced by ``raise NotImplementedError("<task id>")`` at the block's
indentation; everything outside the blocks (signatures, docstrings, hints,
plumbing) is kept verbatim. The task id is the registry id of the innermost
function that holds the block, and every block must belong to a registered task.

Usage::

    python -m autograder.maintain.build_stubs           # rewrite cs231n_core/<module>.py
    python -m autograder.maintain.build_stubs --check   # exit 1 if any stub is stale
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.registry import STUB_MODULES, TASKS_BY_ID

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "autograder" / "reference"
STUB_DIR = ROOT / "cs231n_core"

HEADER = (
    "# Student module of cs231n_core: replace each `raise NotImplementedError(<task id>)`\n"
    "# with your implementation. Generated from the course's reference by\n"
    "# `python -m autograder.maintain.build_stubs`; the instructor's copy is\n"
    "# regenerated, yours is not.\n"
)


class StubError(ValueError):
    """A reference module whose solution fences cannot be turned into a stub."""


@dataclass(frozen=True)
class SolutionBlock:
    task_id: str
    begin: int  # 0-based line index of the BEGIN marker
    end: int  # 0-based line index of the END marker
    indent: str


def _function_spans(tree: ast.Module) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, 1-based, outer first."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_blocks(module: str, source: str) -> list[SolutionBlock]:
    """Locate the solution blocks of one reference module and name their tasks."""
    lines = source.splitlines()
    spans = _function_spans(ast.parse(source))
    blocks: list[SolutionBlock] = []
    begin: int | None = None
    for i, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise StubError(f"{module}:{i + 1}: nested {BEGIN}")
            begin = i
        elif marker == END:
            if begin is None:
                raise StubError(f"{module}:{i + 1}: {END} without {BEGIN}")
            code = [
                j + 1
                for j in range(begin + 1, i)
                if lines[j].strip() and not lines[j].lstrip().startswith("#")
            ]
            if not code:
                raise StubError(f"{module}:{begin + 1}: empty solution block")
            inside = [s for s in spans if s[0] < code[0] and code[-1] <= s[1]]
            if not inside:
                raise StubError(f"{module}:{begin + 1}: solution block outside any function")
            qualname = max(inside, key=lambda s: s[0])[2]
            task_id = f"{module}.{qualname}"
            if task_id not in TASKS_BY_ID:
                raise StubError(f"{module}:{begin + 1}: {task_id} is not in the task registry")
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            blocks.append(SolutionBlock(task_id, begin, i, indent))
            begin = None
        elif BEGIN in line or END in line:
            raise StubError(f"{module}:{i + 1}: a solution marker must stand alone on its line")
    if begin is not None:
        raise StubError(f"{module}:{begin + 1}: {BEGIN} without {END}")
    return blocks


def make_stub(module: str, source: str) -> str:
    """The student version of one reference module."""
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for block in find_blocks(module, source):
        out.extend(lines[cursor : block.begin])
        out.append(f'{block.indent}raise NotImplementedError("{block.task_id}")')
        cursor = block.end + 1
    out.extend(lines[cursor:])
    return HEADER + "\n".join(out) + "\n"


def reference_path(module: str) -> Path:
    return REFERENCE_DIR / f"{module}.py"


def stub_path(module: str) -> Path:
    return STUB_DIR / f"{module}.py"


def expected_stubs() -> dict[str, str]:
    """Module name -> the stub text the current references generate."""
    return {m: make_stub(m, reference_path(m).read_text()) for m in STUB_MODULES}


def unfenced_tasks() -> list[str]:
    """Registered tasks that no solution block implements (must be empty)."""
    fenced = {
        b.task_id
        for m in STUB_MODULES
        if reference_path(m).exists()
        for b in find_blocks(m, reference_path(m).read_text())
    }
    return sorted(set(TASKS_BY_ID) - fenced)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale stubs")
    args = parser.parse_args(argv)
    try:
        stubs = {
            m: make_stub(m, reference_path(m).read_text())
            for m in STUB_MODULES
            if reference_path(m).exists()
        }
        missing = unfenced_tasks()
    except StubError as exc:
        print(f"build_stubs: {exc}", file=sys.stderr)
        return 2
    if missing:
        print(f"build_stubs: tasks with no solution block: {', '.join(missing)}", file=sys.stderr)
        if args.check:
            return 1
    stale = [
        m
        for m, text in stubs.items()
        if not stub_path(m).exists() or stub_path(m).read_text() != text
    ]
    if args.check:
        for m in stale:
            print(f"stale: cs231n_core/{m}.py (run `python -m autograder.maintain.build_stubs`)")
        return 1 if stale else 0
    for m in stale:
        stub_path(m).write_text(stubs[m])
        print(f"wrote cs231n_core/{m}.py")
    if not stale:
        print("stubs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
