"""Generate the student modules of ``cs231n_core`` from ``autograder/reference``.

Every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block in a reference module
is replaced by ``raise NotImplementedError("<task id>")`` at the block's
indentation. The task id is the registry id of the innermost function that holds
the block, and every block must belong to a registered task.

The stub is valid, lint-clean Python with no dead code:

- A block stands in the top level of its function's body, one block per
  function, so the raise ends the function. What follows the block in the
  function (typically ``return out, cache``) is unreachable and left out.
- Imports that only solution code used are left out.

Everything else (signatures, docstrings, TODO hints, plumbing before the block,
provided helpers) is kept verbatim.

Usage::

    python -m autograder.maintain.build_stubs           # rewrite cs231n_core/<module>.py
    python -m autograder.maintain.build_stubs --check   # exit 1 if any stub is stale
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Collection
from dataclasses import dataclass

from autograder.registry import STUB_MODULES, TASKS_BY_ID
from autograder.solutions import BEGIN, END, reference_path, stub_path

# The project's line length (pyproject.toml), for imports the generator rewrites.
LINE_LENGTH = 100

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
    function_end: int  # 0-based index of the line after the function that holds the block


@dataclass(frozen=True)
class _Function:
    first: int  # 1-based line of the ``def``
    last: int  # 1-based last line of the body
    qualname: str
    body_col: int  # column of the body's statements


def _functions(tree: ast.Module) -> list[_Function]:
    """Every function of a module, outer first."""
    found: list[_Function] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    last = child.end_lineno or child.lineno
                    found.append(_Function(child.lineno, last, name, child.body[0].col_offset))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def find_blocks(module: str, source: str) -> list[SolutionBlock]:
    """Locate the solution blocks of one reference module and name their tasks."""
    lines = source.splitlines()
    functions = _functions(ast.parse(source))
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
            inside = [f for f in functions if f.first < code[0] and code[-1] <= f.last]
            if not inside:
                raise StubError(f"{module}:{begin + 1}: solution block outside any function")
            func = max(inside, key=lambda f: f.first)
            task_id = f"{module}.{func.qualname}"
            if task_id not in TASKS_BY_ID:
                raise StubError(f"{module}:{begin + 1}: {task_id} is not in the task registry")
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            # The raise must end the function, or the stub would hold unreachable code.
            if len(indent) != func.body_col:
                raise StubError(
                    f"{module}:{begin + 1}: a solution block must stand in the top level of "
                    f"its function's body, not inside a nested statement"
                )
            if blocks and blocks[-1].task_id == task_id:
                raise StubError(
                    f"{module}:{begin + 1}: {task_id} has a second solution block; "
                    "merge them (the first block's raise ends the function in the stub)"
                )
            # A block that ends the function ends after the function's last statement.
            blocks.append(SolutionBlock(task_id, begin, i, indent, max(func.last, i + 1)))
            begin = None
        elif BEGIN in line or END in line:
            raise StubError(f"{module}:{i + 1}: a solution marker must stand alone on its line")
    if begin is not None:
        raise StubError(f"{module}:{begin + 1}: {BEGIN} without {END}")
    return blocks


def make_stub(module: str, source: str, solved: Collection[str] = ()) -> str:
    """The student version of one reference module.

    The tasks in ``solved`` keep their solution (without its markers): the module of a
    student who has done those tasks and not yet the others.
    """
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for block in find_blocks(module, source):
        out.extend(lines[cursor : block.begin])
        if block.task_id in solved:
            out.extend(lines[block.begin + 1 : block.end])
            cursor = block.end + 1
            continue
        out.append(f'{block.indent}raise NotImplementedError("{block.task_id}")')
        # The rest of the function would run after the raise only: leave it out.
        cursor = block.function_end
    out.extend(lines[cursor:])
    return HEADER + drop_unused_imports("\n".join(out) + "\n")


def _used_names(tree: ast.Module) -> set[str]:
    """Names the module reads anywhere, plus the names it exports through ``__all__``."""
    used = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)
    }
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            used.update(
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return used


def _bound_name(alias: ast.alias) -> str:
    """The name an import binds: ``import a.b`` binds ``a``."""
    return alias.asname or alias.name.split(".")[0]


def _render_import(node: ast.Import | ast.ImportFrom, aliases: list[ast.alias]) -> list[str]:
    """One import statement in the layout ruff's isort rules expect."""
    names = [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in aliases]
    if isinstance(node, ast.Import):
        return [f"import {name}" for name in names]
    head = f"from {'.' * node.level}{node.module or ''} import "
    one_line = head + ", ".join(names)
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    return [head + "(", *(f"    {name}," for name in names), ")"]


def drop_unused_imports(source: str) -> str:
    """Remove the module-level imports whose names the module no longer reads.

    Only solution code used them; keeping them would leave the stub with unused
    imports. Statements whose names are all still used are kept verbatim.
    """
    tree = ast.parse(source)
    used = _used_names(tree)
    lines = source.splitlines()
    edits: list[tuple[int, int, list[str]]] = []  # (first, last + 1, replacement), 0-based
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        kept = [a for a in node.names if _bound_name(a) in used]
        if len(kept) == len(node.names):
            continue
        first, last = node.lineno - 1, node.end_lineno or node.lineno
        edits.append((first, last, _render_import(node, kept) if kept else []))
    for first, last, replacement in reversed(edits):
        lines[first:last] = replacement
        # An emptied import section would leave two blank lines where isort wants one.
        if (
            not replacement
            and 0 < first < len(lines)
            and not lines[first - 1].strip()
            and not lines[first].strip()
        ):
            del lines[first]
    return "\n".join(lines) + "\n"


def expected_stubs() -> dict[str, str]:
    """Module name -> the stub text the current references generate."""
    return {m: make_stub(m, reference_path(m).read_text()) for m in STUB_MODULES}


def partly_solved_modules(solved: Collection[str]) -> dict[str, str]:
    """Module name -> its text with only the tasks in ``solved`` done, the others stubs."""
    return {m: make_stub(m, reference_path(m).read_text(), solved) for m in STUB_MODULES}


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
