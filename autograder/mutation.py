"""Student code as changes of a solved module: buggy students and correct variants.

A change is one of:

- a ``Patch``: named AST edits of one function or method of the solved module
  (``patch("affine_backward", replace("dout.sum(axis=0)", "dout.mean(axis=0)"))``).
  Patterns are parsed and matched on the syntax tree, so comments, layout, line breaks,
  parentheses and quote style of the reference do not matter; each pattern must match
  exactly once in the function, or the change fails with an ``OverrideError`` naming
  the function and the pattern.
- a ``Wrap``: a new version of a function or method that calls the solved one,
  ``orig``, and changes what goes in or comes out
  (``wrap("affine_forward", "return orig(x, w, np.zeros_like(b))")``).
- plain source: a whole student-style implementation.

Every change is rendered to source that is appended to the module: a later
``def name`` replaces the earlier function of that name; a method is replaced by
assigning a function onto its class (``Solver._step = _step``).
"""

from __future__ import annotations

import ast
import copy
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from autograder.solutions import solved_module_text


@dataclass(frozen=True)
class Replace:
    """Replace the one place of a function that matches ``old`` with ``new``.

    ``old`` and ``new`` are expressions, or statements (``new`` may be empty: the
    statements are dropped).
    """

    old: str
    new: str


@dataclass(frozen=True)
class Patch:
    """A function (``name``) or method (``Class.name``) with ``edits`` applied to its tree."""

    target: str
    edits: tuple[Replace, ...]

    def render(self, text: str) -> str:
        node = copy.deepcopy(_function(ast.parse(text), self.target))
        for edit in self.edits:
            _apply_edit(node, edit, self.target)
        return _rebind(node, self.target, "_patched")


@dataclass(frozen=True)
class Wrap:
    """A new ``target`` with the solved one's signature whose ``body`` may call ``orig``."""

    target: str
    body: str

    def render(self, text: str) -> str:
        solved = _function(ast.parse(text), self.target)
        alias = "_orig_" + self.target.replace(".", "_")
        # A copy keeps the signature (and the node fields of this Python version).
        wrapper = copy.deepcopy(solved)
        wrapper.body = [*ast.parse(f"orig = {alias}").body, *_statements(self.body)]
        wrapper.decorator_list = []
        wrapper.returns = None
        return f"{alias} = {self.target}\n\n\n" + _rebind(wrapper, self.target, "_wrapped")


Change = str | Patch | Wrap


def replace(old: str, new: str) -> Replace:
    """Edit: the one expression or run of statements matching ``old`` becomes ``new``."""
    return Replace(old, new)


def drop(old: str) -> Replace:
    """Edit: the one run of statements matching ``old`` is removed."""
    return Replace(old, "")


def patch(target: str, *edits: Replace) -> Patch:
    """The function or method ``target`` of the solved module with ``edits`` applied."""
    if not edits:
        raise ValueError(f"patch of {target} has no edits")
    return Patch(target, edits)


def wrap(target: str, body: str) -> Wrap:
    """``target`` replaced by ``body``, run with the original's parameters and ``orig``."""
    return Wrap(target, body)


def _changes(change: Change | tuple[Change, ...]) -> tuple[Change, ...]:
    return change if isinstance(change, tuple) else (change,)


@dataclass(frozen=True)
class Override:
    """A change of one student module."""

    module: str
    change: Change


@dataclass(frozen=True, init=False)
class Mutant:
    """A realistic bug: must lose points in ``task`` and in no other task.

    ``diagnosis``: words of the likely mistake the grader's feedback must name for
    it (stated here by hand, never computed by the diagnosing code).
    """

    name: str
    task: str  # the registry id that must lose points
    changes: tuple[Change, ...]
    diagnosis: str

    def __init__(
        self,
        name: str,
        task: str,
        change: Change | Replace | tuple[Change | Replace, ...],
        diagnosis: str = "",
    ) -> None:
        """``change``: the changes; bare edits (``replace``, ``drop``) patch the task's function."""
        items = change if isinstance(change, tuple) else (change,)
        edits = tuple(c for c in items if isinstance(c, Replace))
        own = (patch(task.split(".", 1)[1], *edits),) if edits else ()
        rest = tuple(c for c in items if not isinstance(c, Replace))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "task", task)
        object.__setattr__(self, "changes", own + rest)
        object.__setattr__(self, "diagnosis", diagnosis)

    @property
    def module(self) -> str:
        return self.task.split(".", 1)[0]

    def apply(self, text: str) -> str:
        """``text`` (the module's source) with this student's changes."""
        return _apply_named(self.name, text, self.changes)


@dataclass(frozen=True, init=False)
class Alternative:
    """A different but correct implementation: must keep full marks."""

    name: str
    module: str
    changes: tuple[Change, ...]

    def __init__(self, name: str, module: str, change: Change | tuple[Change, ...]) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "module", module)
        object.__setattr__(self, "changes", _changes(change))

    def apply(self, text: str) -> str:
        """``text`` (the module's source) with this variant's changes."""
        return _apply_named(self.name, text, self.changes)


class OverrideError(ValueError):
    """The change does not fit the module it is applied to."""


def _apply_named(name: str, text: str, changes: tuple[Change, ...]) -> str:
    try:
        for change in changes:
            text = apply_override(text, change)
    except OverrideError as exc:
        raise OverrideError(f"{name}: {exc}") from exc
    return text


# ------------------------------------------------------------ finding and editing functions
def _function(tree: ast.Module, target: str) -> ast.FunctionDef:
    """The definition in force of a top-level function or of a method (``Class.name``)."""
    owner, _, name = target.rpartition(".")
    body: list[ast.stmt] = tree.body
    if owner:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            raise OverrideError(f"{target}: the module has no class {owner}")
        body = classes[-1].body
        rebound = [n for n in tree.body if _assigns(n, owner, name)]
        if rebound:  # a method replaced earlier (Class.name = fn): edit the replacement
            last = rebound[-1]
            assert isinstance(last, ast.Assign) and isinstance(last.value, ast.Name)
            value = last.value
            owner, name, body = "", value.id, tree.body
    found = [n for n in body if isinstance(n, ast.FunctionDef) and n.name == name]
    if not found:
        raise OverrideError(f"{target}: the module has no such function")
    return found[-1]


def _assigns(node: ast.stmt, owner: str, name: str) -> bool:
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Name)
        and any(
            isinstance(t, ast.Attribute) and t.attr == name
            and isinstance(t.value, ast.Name) and t.value.id == owner
            for t in node.targets
        )
    )


def _rebind(node: ast.FunctionDef, target: str, prefix: str) -> str:
    """Source defining ``node`` so that it replaces ``target``."""
    owner, _, name = target.rpartition(".")
    if not owner:
        node.name = name
        return ast.unparse(ast.fix_missing_locations(node)) + "\n"
    node.name = f"{prefix}_{owner}_{name}"
    source = ast.unparse(ast.fix_missing_locations(node))
    return f"{source}\n\n\n{owner}.{name} = {node.name}\n"


def _statements(source: str) -> list[ast.stmt]:
    return ast.parse(textwrap.dedent(source).strip("\n")).body


def _expression(source: str) -> ast.expr | None:
    try:
        return ast.parse(textwrap.dedent(source).strip(), mode="eval").body
    except SyntaxError:
        return None


def _key(node: ast.AST) -> str:
    """The node's structure, whatever its context (load or store) and position."""
    return ast.dump(_without_context(copy.deepcopy(node)))


def _without_context(node: ast.AST) -> ast.AST:
    for inner in ast.walk(node):
        if hasattr(inner, "ctx"):
            inner.ctx = ast.Load()
    return node


def _with_context(node: ast.expr, ctx: ast.expr_context) -> ast.expr:
    """``node`` in the context of the place it goes to (an assignment target or a value)."""
    node.ctx = ctx  # type: ignore[attr-defined]
    if isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            _with_context(element, ctx)
    elif isinstance(node, ast.Starred):
        _with_context(node.value, ctx)
    return node


def _statement_lists(root: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(root):
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value


def _apply_edit(function: ast.FunctionDef, edit: Replace, target: str) -> None:
    old, new = _expression(edit.old), _expression(edit.new) if edit.new.strip() else None
    if old is not None and new is not None:
        places = [
            (parent, field, index)
            for parent in ast.walk(function)
            for _, field, index, child in _children(parent)
            if isinstance(child, ast.expr) and _key(child) == _key(old)
        ]
        _exactly_once(places, edit, target)
        parent, field, index = places[0]
        current = getattr(parent, field) if index is None else getattr(parent, field)[index]
        replacement = _with_context(new, getattr(current, "ctx", ast.Load()))
        if index is None:
            setattr(parent, field, replacement)
        else:
            getattr(parent, field)[index] = replacement
        return
    pattern = [_key(s) for s in _statements(edit.old)]
    runs = [
        (body, start)
        for body in _statement_lists(function)
        for start in range(len(body) - len(pattern) + 1)
        if [_key(s) for s in body[start : start + len(pattern)]] == pattern
    ]
    _exactly_once(runs, edit, target)
    body, start = runs[0]
    body[start : start + len(pattern)] = _statements(edit.new) if edit.new.strip() else []
    if not body:
        body.append(ast.Pass())


def _children(node: ast.AST) -> Iterator[tuple[ast.AST, str, int | None, ast.AST]]:
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            yield node, field, None, value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield node, field, index, item


def _exactly_once(places: Sequence[object], edit: Replace, target: str) -> None:
    if len(places) != 1:
        raise OverrideError(
            f"{target}: pattern {edit.old.strip()!r} no longer matches "
            f"(found {len(places)} times, expected once)"
        )


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


def render(text: str, change: Change) -> str:
    """The source that ``change`` appends to ``text`` (a module's source)."""
    return change if isinstance(change, str) else change.render(text)


def apply_override(text: str, change: Change) -> str:
    """``text`` (a module's source) with ``change`` appended so that it takes effect."""
    source = render(text, change)
    rebound_names(text, source)
    mutated = text.rstrip("\n") + "\n\n\n" + textwrap.dedent(source).strip("\n") + "\n"
    compile(mutated, "<override>", "exec")
    return mutated


def mutated_module_text(module: str, *changes: Change) -> str:
    """The solved ``module`` with each of ``changes`` applied in turn."""
    text = solved_module_text(module)
    for change in changes:
        text = apply_override(text, change)
    return text
