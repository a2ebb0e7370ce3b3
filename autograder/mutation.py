"""Student code written as overrides of a solved module: buggy students and correct variants.

An override is Python source appended to the solved module. A later ``def name``
replaces the earlier function of that name; a method is replaced by assigning a
function onto its class (``Solver._step = _step``). An override is either a whole
student-style implementation or a small wrapper of the function it replaces
(``_orig = affine_forward`` before redefining ``affine_forward``).

Nothing here matches the reference's text, so rewording the reference (comments,
local names, layout) leaves every override working; renaming or removing a function
an override replaces is reported as an ``OverrideError``.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

from autograder.solutions import solved_module_text


@dataclass(frozen=True)
class Override:
    """Source that replaces functions or methods of one student module."""

    module: str
    source: str


@dataclass(frozen=True)
class Mutant:
    """A realistic bug: must lose points in ``task`` and in no other task."""

    name: str
    task: str  # the registry id that must lose points
    source: str

    @property
    def module(self) -> str:
        return self.task.split(".", 1)[0]


@dataclass(frozen=True)
class Alternative:
    """A different but correct implementation: must keep full marks."""

    name: str
    module: str
    source: str


class OverrideError(ValueError):
    """The override does not fit the module it is applied to."""


def _members(tree: ast.Module) -> tuple[set[str], dict[str, set[str]]]:
    """Top-level function names, and each top-level class with the names it defines."""
    functions: set[str] = set()
    classes: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(item.name)
                elif isinstance(item, ast.Assign | ast.AnnAssign):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
            classes[node.name] = names
    return functions, classes


def rebound_names(text: str, source: str) -> list[str]:
    """The functions (``name``) and methods (``Class.name``) of ``text`` that ``source`` replaces.

    Raises ``OverrideError`` when ``source`` defines a public function the module does
    not have or assigns to a class member it does not have (the names it was written
    for are gone), or when it replaces nothing at all.
    """
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError as exc:
        raise OverrideError(f"override does not parse: {exc}") from exc
    functions, classes = _members(ast.parse(text))
    rebound: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name in functions:
                rebound.append(node.name)
            elif not node.name.startswith("_"):  # private helpers of the override may be new
                raise OverrideError(f"override defines {node.name}(), which the module lacks")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    owner, member = target.value.id, target.attr
                    if member not in classes.get(owner, ()):
                        raise OverrideError(f"override assigns {owner}.{member}, which the "
                                            "module lacks")
                    rebound.append(f"{owner}.{member}")
    if not rebound:
        raise OverrideError("override replaces no function or method of the module")
    return rebound


def apply_override(text: str, source: str) -> str:
    """``text`` (a module's source) with ``source`` appended so that it takes effect."""
    rebound_names(text, source)
    mutated = text.rstrip("\n") + "\n\n\n" + textwrap.dedent(source).strip("\n") + "\n"
    compile(mutated, "<override>", "exec")
    return mutated


def mutated_module_text(module: str, *sources: str) -> str:
    """The solved ``module`` with each override of ``sources`` applied in turn."""
    text = solved_module_text(module)
    for source in sources:
        text = apply_override(text, source)
    return text
