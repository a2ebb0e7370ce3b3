"""The generated student package: fresh, leak-free, and faithful to the reference."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from autograder import build_stubs
from autograder.registry import STUB_MODULES, TASKS, Task

TASK_IDS = [t.id for t in TASKS]


def _resolve(module: object, qualname: str) -> object:
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_registered_task_has_a_solution_block() -> None:
    assert build_stubs.unfenced_tasks() == []


@pytest.mark.parametrize("module", STUB_MODULES)
def test_committed_stub_is_up_to_date(module: str) -> None:
    expected = build_stubs.make_stub(module, build_stubs.reference_path(module).read_text())
    assert build_stubs.stub_path(module).read_text() == expected, (
        f"cs231n_core/{module}.py is stale: run `python -m autograder.build_stubs`"
    )


@pytest.mark.parametrize("module", STUB_MODULES)
def test_no_solution_text_leaks_into_stub(module: str) -> None:
    source = build_stubs.reference_path(module).read_text()
    stub = build_stubs.stub_path(module).read_text()
    assert build_stubs.BEGIN not in stub and build_stubs.END not in stub
    lines = source.splitlines()
    fenced: set[str] = set()
    outside = set(lines)
    for block in build_stubs.find_blocks(module, source):
        body = lines[block.begin + 1 : block.end]
        fenced.update(line for line in body if line.strip())
        outside.difference_update(lines[block.begin : block.end + 1])
    # A fenced line may appear in the stub only if the reference also has it as plumbing.
    leaked = [line for line in stub.splitlines() if line in fenced and line not in outside]
    assert leaked == []


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_stub_matches_reference_signature_and_docstring(task: Task) -> None:
    stub = _resolve(importlib.import_module(f"cs231n_core.{task.module}"), task.qualname)
    ref = _resolve(importlib.import_module(f"autograder.reference.{task.module}"), task.qualname)
    assert inspect.signature(stub) == inspect.signature(ref)
    assert inspect.getdoc(stub) == inspect.getdoc(ref)
    assert inspect.getdoc(stub), f"{task.id} has no docstring"


def _call_stub(task: Task) -> None:
    """Call a stub with throwaway arguments; it must fail before it looks at them."""
    module = importlib.import_module(f"cs231n_core.{task.module}")
    obj = _resolve(module, task.qualname)
    params = list(inspect.signature(obj).parameters.values())
    dummy = np.zeros((2, 3))
    args = [dummy for p in params if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if "." in task.qualname:  # a method: call it unbound with a bare instance as self
        cls = _resolve(module, task.qualname.rsplit(".", 1)[0])
        args[0] = object.__new__(cls)
    obj(*args)


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_stub_raises_not_implemented_with_its_task_id(task: Task) -> None:
    with pytest.raises(NotImplementedError) as info:
        _call_stub(task)
    assert str(info.value) == task.id


def test_markers_must_stand_inside_a_registered_function() -> None:
    bad = "def helper():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    with pytest.raises(build_stubs.StubError, match="not in the task registry"):
        build_stubs.make_stub("layers", bad)
    with pytest.raises(build_stubs.StubError, match="without"):
        build_stubs.make_stub("layers", "def f():\n    ### BEGIN SOLUTION\n    pass\n")


def test_stub_replaces_block_at_its_indentation() -> None:
    src = (
        "def affine_forward(x, w, b):\n"
        '    """doc"""\n'
        "    # hint stays\n"
        "    ### BEGIN SOLUTION\n"
        "    out = secret(x)\n"
        "    ### END SOLUTION\n"
        "    return out\n"
    )
    stub = build_stubs.make_stub("layers", src)
    assert "secret" not in stub
    assert '    raise NotImplementedError("layers.affine_forward")\n    return out' in stub
    assert "# hint stays" in stub
