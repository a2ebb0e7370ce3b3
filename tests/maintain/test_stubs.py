"""The generated student package: fresh, leak-free, and faithful to the reference."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograder.maintain import build_stubs
from autograder.registry import NOTEBOOKS, STUB_MODULES, TASKS, Task, tasks_through
from autograder.solutions import (
    BEGIN,
    END,
    STUB_DIR,
    reference_path,
    solved_module_text,
    stub_path,
)

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
    expected = build_stubs.make_stub(module, reference_path(module).read_text())
    assert stub_path(module).read_text() == expected, (
        f"cs231n_core/{module}.py is stale: run `python -m autograder.maintain.build_stubs`"
    )


@pytest.mark.parametrize("module", STUB_MODULES)
def test_no_solution_text_leaks_into_stub(module: str) -> None:
    source = reference_path(module).read_text()
    stub = stub_path(module).read_text()
    assert BEGIN not in stub and END not in stub
    lines = source.splitlines()
    blocks = build_stubs.find_blocks(module, source)
    in_block = {i for b in blocks for i in range(b.begin, b.end + 1)}
    fenced = {lines[i] for b in blocks for i in range(b.begin + 1, b.end) if lines[i].strip()}
    outside = {line for i, line in enumerate(lines) if i not in in_block}
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


def _raises_own_id(func: ast.FunctionDef, task_id: str) -> bool:
    """True if the function body holds `raise NotImplementedError("<task_id>")` at its top level."""
    for stmt in func.body:
        if (
            isinstance(stmt, ast.Raise)
            and isinstance(stmt.exc, ast.Call)
            and isinstance(stmt.exc.func, ast.Name)
            and stmt.exc.func.id == "NotImplementedError"
            and [a.value for a in stmt.exc.args if isinstance(a, ast.Constant)] == [task_id]
        ):
            return True
    return False


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_stub_raises_not_implemented_with_its_task_id(task: Task) -> None:
    module = importlib.import_module(f"cs231n_core.{task.module}")
    func = _resolve(module, task.qualname)
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    assert _raises_own_id(tree.body[0], task.id)


def test_stubbed_function_raises_when_called() -> None:
    from cs231n_core import layers

    x = np.ones((2, 3))
    with pytest.raises(NotImplementedError, match=r"^layers\.affine_forward$"):
        layers.affine_forward(x, np.ones((3, 4)), np.zeros(4))


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
        "\n"
        "\n"
        "def helper():\n"
        "    return 1\n"
    )
    stub = build_stubs.make_stub("layers", src)
    assert "secret" not in stub
    # The raise ends the function: the unreachable `return out` is left out, the next
    # function is kept.
    assert (
        '    # hint stays\n    raise NotImplementedError("layers.affine_forward")\n\n\n'
        "def helper():\n    return 1\n"
    ) in stub
    assert "return out" not in stub


def test_block_that_ends_its_function_keeps_the_code_after_the_function() -> None:
    src = (
        "def relu_forward(x):\n"
        "    ### BEGIN SOLUTION\n"
        "    return secret(x)\n"
        "    ### END SOLUTION\n"
        "\n"
        "\n"
        "PROVIDED = 1\n"
    )
    stub = build_stubs.make_stub("layers", src)
    assert stub.endswith(
        'def relu_forward(x):\n    raise NotImplementedError("layers.relu_forward")\n\n\n'
        "PROVIDED = 1\n"
    )


@pytest.mark.parametrize(
    ("source", "error"),
    [
        pytest.param(
            "def relu_forward(x):\n"
            "    if x:\n"
            "        ### BEGIN SOLUTION\n"
            "        return 1\n"
            "        ### END SOLUTION\n"
            "    return 0\n",
            "top level",
            id="nested",
        ),
        pytest.param(
            "def relu_forward(x):\n"
            "    ### BEGIN SOLUTION\n"
            "    y = 1\n"
            "    ### END SOLUTION\n"
            "    ### BEGIN SOLUTION\n"
            "    return y\n"
            "    ### END SOLUTION\n",
            "second solution block",
            id="two blocks",
        ),
    ],
)
def test_block_must_end_its_function(source: str, error: str) -> None:
    with pytest.raises(build_stubs.StubError, match=error):
        build_stubs.make_stub("layers", source)


def test_imports_only_solutions_used_are_dropped() -> None:
    src = (
        "from __future__ import annotations\n"
        "\n"
        "import math\n"
        "\n"
        "import numpy as np\n"
        "\n"
        "from .normalization import (\n"
        "    batchnorm_backward,\n"
        "    batchnorm_forward,\n"
        ")\n"
        "\n"
        "\n"
        "def relu_forward(x: np.ndarray) -> np.ndarray:\n"
        "    ### BEGIN SOLUTION\n"
        "    return math.e * batchnorm_forward(x)\n"
        "    ### END SOLUTION\n"
        "\n"
        "\n"
        "PROVIDED = batchnorm_backward\n"
    )
    body = build_stubs.make_stub("layers", src)[len(build_stubs.HEADER) :]
    # `math` goes with its blank line; the from-import keeps the one name still used.
    assert body.startswith(
        "from __future__ import annotations\n"
        "\n"
        "import numpy as np\n"
        "\n"
        "from .normalization import batchnorm_backward\n"
        "\n"
        "\n"
        "def relu_forward("
    )


def test_unused_imports_are_left_alone_when_all_are_used() -> None:
    src = "import numpy as np\n\nX = np.zeros(1)\n"
    assert build_stubs.drop_unused_imports(src) == src


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_raise_is_the_last_statement_of_a_stubbed_function(task: Task) -> None:
    module = importlib.import_module(f"cs231n_core.{task.module}")
    func = ast.parse(textwrap.dedent(inspect.getsource(_resolve(module, task.qualname)))).body[0]
    assert isinstance(func, ast.FunctionDef)
    assert _raises_own_id(func, task.id)
    assert isinstance(func.body[-1], ast.Raise), f"{task.id}: code follows the raise"


def test_stubs_are_lint_clean_without_ignores() -> None:
    """ruff with the project's rules and no per-file ignores finds nothing in the stubs."""
    for module in STUB_MODULES:
        assert "noqa" not in stub_path(module).read_text(), module
    stubs = [str(stub_path(m)) for m in STUB_MODULES]
    # The override drops any per-file ignores the project config might give the stubs.
    command = ["check", "--no-cache", "--config", "lint.per-file-ignores = {}", *stubs]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command],
        cwd=STUB_DIR.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("notebook", list(NOTEBOOKS))
def test_partly_solved_modules_stub_exactly_the_later_tasks(notebook: str) -> None:
    """Only the tasks of later notebooks raise; the solved ones keep the reference's code."""
    order = list(NOTEBOOKS)
    later = {t.id for t in TASKS if order.index(t.notebook) > order.index(notebook)}
    modules = build_stubs.partly_solved_modules(tasks_through(notebook))
    raised = set()
    for module, text in modules.items():
        raised |= {
            node.exc.args[0].value
            for node in ast.walk(ast.parse(text))  # valid Python
            if isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and getattr(node.exc.func, "id", "") == "NotImplementedError"
            and node.exc.args
            and isinstance(node.exc.args[0], ast.Constant)
        }
        assert BEGIN not in text and END not in text, module
        # Every line of the solved reference is kept, apart from the later tasks' code.
        if not any(t.startswith(module + ".") for t in later):
            kept = set(text.splitlines())
            missing = [ln for ln in solved_module_text(module).splitlines() if ln not in kept]
            assert all(ln.lstrip().startswith(("import ", "from ")) for ln in missing), missing
    assert raised == later
