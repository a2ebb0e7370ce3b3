"""The students' public self-check (cs231n_core/check/) and its data file."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.maintain import build_public, build_stubs
from autograder.registry import STUB_MODULES, TASKS, tasks_matching, tasks_through
from autograder.solutions import reference_path, solved_module_text, write_solution_package
from cs231n_core import check as public
from cs231n_core.check import harness, runner

ROOT = Path(__file__).resolve().parents[2]
CHECK_FILES = sorted((ROOT / "cs231n_core" / "check").rglob("*.py"))
TASK_IDS = [t.id for t in TASKS]
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed \(([\d.]+) s\)$", re.MULTILINE)


def _solved(dest: Path, mutations: dict[str, str] | None = None) -> Path:
    """A student-shaped folder whose cs231n_core is the reference (with mutations)."""
    package = write_solution_package(dest, mutations)
    data = package / harness.DATA_FILE.name
    if not data.exists():  # the package's data file ships with it
        shutil.copyfile(harness.DATA_FILE, data)
    return dest


def _mutated(module: str, find: str, replace: str) -> dict[str, str]:
    text = solved_module_text(module)
    assert text.count(find) == 1, f"snippet must occur exactly once in {module}: {find!r}"
    return {module: text.replace(find, replace)}


def _python(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _python(cwd, "-m", "cs231n_core.check", *args)


def _table(stdout: str) -> dict[str, str]:
    """Task id -> PASS/FAIL/ERROR from the command's table."""
    rows = {}
    for line in stdout.splitlines():
        cells = line.split()
        if len(cells) >= 3 and cells[0] in TASK_IDS and cells[2] in ("PASS", "FAIL", "ERROR"):
            rows[cells[0]] = cells[2]
    return rows


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solved(tmp_path_factory.mktemp("solved"))


# ---------------------------------------------------------------------- data file


def test_data_file_is_fresh(
    reference_build: build_public.CheckedBuild,
) -> None:
    stored = build_public.load()
    diffs = build_public.differences(stored, reference_build[0])
    assert diffs == [], (
        f"cs231n_core/{harness.DATA_FILE.name} is stale ({diffs[:5]}): "
        "run `python -m autograder.maintain.build_public`"
    )


def test_data_file_holds_plain_arrays_only() -> None:
    with np.load(harness.DATA_FILE, allow_pickle=False) as data:
        kinds = {data[key].dtype.kind for key in data.files}
        assert all("/" in key for key in data.files)
    assert kinds <= {"f", "i", "U", "b"}


def test_task_list_matches_the_registry() -> None:
    assert [(t.id, t.points, t.notebook) for t in runner.tasks()] == [
        (t.id, float(t.points), t.notebook) for t in TASKS
    ]
    assert public.task_ids() == TASK_IDS


def test_one_case_per_registered_task() -> None:
    assert sorted(harness.CASES) == sorted(TASK_IDS)


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "layers",
        "normalization.batchnorm",
        "batchnorm",
        "solver.Solver",
        "relu",
        "layers.relu_forward",
        "Solver._step",
        "nosuch",
    ],
)
def test_pattern_selection_agrees_with_the_registry(pattern: str) -> None:
    assert runner.select(pattern) == [t.id for t in tasks_matching(pattern)]


def test_changed_answers_are_detected() -> None:
    stored = build_public.load()
    key = next(k for k in stored if k.startswith("layers.affine_forward/"))
    changed = dict(stored, **{key: stored[key] * (1 + 1e-6)})
    assert build_public.differences(changed, stored) == [f"changed {key}"]
    del changed[key]
    assert build_public.differences(changed, stored) == [f"missing {key}"]


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_check_package_is_self_contained(path: Path) -> None:
    """It ships to students, who have no autograder package."""
    tree = ast.parse(path.read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert {m.split(".")[0] for m in imported} <= set(sys.stdlib_module_names) | {
        "numpy",
        "cs231n_core",
        "__future__",
    }
    assert not {
        m for m in imported if m.startswith("cs231n_core.") and m.split(".")[1] in STUB_MODULES
    }


def test_check_package_contains_no_line_of_reference_solution() -> None:
    fenced: set[str] = set()
    public_lines: set[str] = set()
    for module in STUB_MODULES:
        source = reference_path(module).read_text()
        lines = source.splitlines()
        inside: set[int] = set()
        for block in build_stubs.find_blocks(module, source):
            inside.update(range(block.begin, block.end + 1))
            fenced.update(ln.strip() for ln in lines[block.begin + 1 : block.end])
        public_lines.update(ln.strip() for i, ln in enumerate(lines) if i not in inside)
    secret = {ln for ln in fenced - public_lines if len(ln) >= 12 and not ln.startswith("#")}
    for path in CHECK_FILES:
        lines = path.read_text().splitlines()
        assert [ln.strip() for ln in lines if ln.strip() in secret] == [], path


# ---------------------------------------------------------------------- against the reference


def test_solved_package_passes_every_task_quietly(solved: Path) -> None:
    where = _python(solved, "-c", "import cs231n_core; print(cs231n_core.__file__)")
    assert Path(where.stdout.strip()).parent == solved / "cs231n_core"
    result = _cli(solved)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stderr == ""
    assert _table(result.stdout) == dict.fromkeys(TASK_IDS, "PASS")
    passed, failed, _ = SUMMARY.search(result.stdout).groups()
    assert (int(passed), int(failed)) == (len(TASKS), 0)


@pytest.mark.task("layers.affine_backward")
def test_check_task_prints_each_part_with_its_range(solved: Path) -> None:
    script = (
        "from cs231n_core.check import check_task\n"
        "result = check_task('layers.affine_backward')\n"
        "print(result.passed, result.status)\n"
    )
    out = _python(solved, "-c", script)
    assert out.returncode == 0 and out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == "layers.affine_backward: PASS"
    assert re.search(r"^  dx: relative error \S+ \(should be below 1e-7\) PASS$", out.stdout, re.M)
    assert re.search(
        r"^  dw \(vs numerical gradient\): relative error \S+ \(should be below 1e-7\) PASS$",
        out.stdout,
        re.M,
    )
    assert lines[-1] == "True pass"


@pytest.mark.task("layers.dropout_forward")
def test_statistical_parts_print_their_range(solved: Path) -> None:
    out = _cli(solved, "layers.dropout_forward")
    assert out.returncode == 0
    assert re.search(
        r"keep rate: fraction of units kept 0\.\d+ \(should be between 0\.292 and 0\.308\) PASS",
        out.stdout,
    )


def test_pattern_runs_only_the_matching_tasks(solved: Path) -> None:
    out = _cli(solved, "batchnorm")
    assert out.returncode == 0, out.stdout
    assert _table(out.stdout) == dict.fromkeys([t.id for t in tasks_matching("batchnorm")], "PASS")
    assert "3 passed, 0 failed" in out.stdout


# ---------------------------------------------------------------------- against the stubs


def test_stubs_fail_every_task_as_not_implemented() -> None:
    results = public.check("", verbose=False)
    assert [r.task_id for r in results] == TASK_IDS
    assert {r.status for r in results} == {"not implemented"}
    assert all("not implemented yet" in r.report() for r in results)
    own = [r for r in results if f'NotImplementedError("{r.task_id}")' in r.message]
    assert own, "a stub's own task should be named in its message"


@pytest.mark.task("layers.affine_forward")
def test_check_task_raises_after_printing_when_a_task_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(public.CheckFailed, match=r"layers\.affine_forward did not pass"):
        public.check_task("layers.affine_forward")
    out = capsys.readouterr().out
    assert out.startswith("layers.affine_forward: FAIL\n")
    assert "not implemented yet" in out
    result = public.check_task("layers.affine_forward", raise_on_failure=False)
    assert result.status == "not implemented" and not result.passed
    with pytest.raises(ValueError, match="unknown task"):
        public.check_task("layers.affine")


def test_checks_read_the_files_afresh_and_leave_loaded_modules_alone() -> None:
    import cs231n_core.layers as before

    public.check("layers.relu_forward", verbose=False)
    import cs231n_core.layers as after

    assert after is before and sys.modules["cs231n_core.layers"] is before


def test_command_line_exit_codes() -> None:
    stubs = _cli(ROOT)
    assert stubs.returncode == 1
    assert f"0 passed, {len(TASKS)} failed" in stubs.stdout
    unknown = _cli(ROOT, "nosuchtask")
    assert unknown.returncode == 2
    assert unknown.stdout == "" and len(unknown.stderr.strip().splitlines()) == 1
    listed = _cli(ROOT, "--list")
    assert listed.returncode == 0
    assert [ln.split()[0] for ln in listed.stdout.splitlines()] == TASK_IDS


# ---------------------------------------------------------------------- broken implementations

# (module, find, replace, the task that must fail, other tasks that use the broken function
# and so fail with it). The public check runs a student's net on the student's own layers,
# so a broken layer also fails the net's check; nothing else may fail, except the
# model-quality tasks (TUNED): they train with the student's own package, so a bug on their
# path (biases left out, the momentum state not kept) costs accuracy, and whether that
# crosses an accuracy step depends on how much (0.574 -> 0.548 without biases, against a
# step at 0.55), which may differ in the last digits between machines' BLAS kernels.
TUNED = ("tuning.best_hyperparameters", "tuning.ensemble_hyperparameters")
BROKEN = [
    ("optim", "\n    m_hat = m / (1 - beta1**t)\n", "\n    m_hat = m\n", "optim.adam", ()),
    (
        "normalization",
        "xhat_coef, shift = dgamma / -N, dbeta / N\n",
        "xhat_coef, shift = dgamma / -N, dbeta\n",
        "normalization.batchnorm_backward_alt",
        (),
    ),
    (
        "initializers",
        "limit = np.sqrt(6.0 / (fan_in + fan_out))",
        "limit = np.sqrt(3.0 / (fan_in + fan_out))",
        "initializers.glorot_uniform",
        (),
    ),
    (
        "preprocessing",
        "components *= np.where(pivots < 0, -1.0, 1.0)[:, None]",
        "components *= 1.0",
        "preprocessing.PCAWhitening.fit",
        (),
    ),
    (
        "solver",
        "self.optim_configs[name] = next_config",
        "next_config = None",
        "solver.Solver._step",
        (),
    ),
    (
        "solver",
        "ratio = update_norm / w_norm if w_norm > 0 else math.nan",
        "ratio = update_norm / (w_norm + 1e-12)",
        "solver.Solver._record_update_ratios",
        (),
    ),
    # Right values but an overflow warning for large |x|: the backward check, which
    # calls this forward, must not be blamed for it.
    ("layers", "out = np.tanh(x)", "out = 2 / (1 + np.exp(-2 * x)) - 1", "layers.tanh_forward", ()),
    (
        "layers",
        "out = x.reshape(x.shape[0], -1) @ w + b",
        "out = x.reshape(x.shape[0], -1) @ w",
        "layers.affine_forward",
        ("classifiers.FullyConnectedNet.loss",),
    ),
]


# The model-quality tasks train networks, nine tenths of a whole run's time, and their
# outcome is left free above; so one case (the bug on their training path) runs every task
# and the others run every task but those, one command per module.
WHOLE_RUN = "layers.affine_forward"
UNTUNED_MODULES = sorted({t.module for t in TASKS if t.id not in TUNED})


@pytest.mark.parametrize(
    ("module", "find", "replace", "task", "dependents"),
    [pytest.param(*b, id=f"{b[3]}: {b[2][:30]}", marks=pytest.mark.task(b[3])) for b in BROKEN],
)
def test_broken_implementation_fails_exactly_its_task(
    tmp_path: Path, module: str, find: str, replace: str, task: str, dependents: tuple[str, ...]
) -> None:
    folder = _solved(tmp_path, _mutated(module, find, replace))
    patterns = [""] if task == WHOLE_RUN else UNTUNED_MODULES
    table: dict[str, str] = {}
    for pattern in patterns:
        result = _cli(folder, *([pattern] if pattern else []))
        rows = _table(result.stdout)
        assert result.returncode == (0 if set(rows.values()) == {"PASS"} else 1), result.stdout
        assert result.stderr == ""
        table.update(rows)
    ran = TASK_IDS if task == WHOLE_RUN else [i for i in TASK_IDS if i not in TUNED]
    assert sorted(table) == sorted(ran)
    failing = {k for k, v in table.items() if v != "PASS"}
    assert {task, *dependents} <= failing <= {task, *dependents, *TUNED}, table


@pytest.mark.task("layers.affine_forward")
def test_exception_report_names_type_message_and_student_line(tmp_path: Path) -> None:
    bad = "out = x @ w + b  # forgot to flatten"
    folder = _solved(tmp_path, _mutated("layers", "out = x.reshape(x.shape[0], -1) @ w + b", bad))
    lineno = (folder / "cs231n_core" / "layers.py").read_text().splitlines().index("    " + bad) + 1
    result = _cli(folder, "layers.affine_forward")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "layers.affine_forward: ERROR" in result.stdout
    assert "ValueError: matmul" in result.stdout
    assert f"at cs231n_core/layers.py, line {lineno}, in affine_forward:" in result.stdout
    assert bad in result.stdout


@pytest.mark.task("classifiers.FullyConnectedNet.loss")
def test_net_loss_passes_before_normalization_and_dropout_and_skips_their_parts(
    tmp_path: Path,
) -> None:
    """Notebook 02 checks the net before notebooks 03 and 06 teach its optional layers."""
    solved = tasks_through("02_weight_initialization")
    assert "normalization.batchnorm_forward" not in solved
    assert "layers.dropout_forward" not in solved
    folder = _solved(tmp_path, build_stubs.partly_solved_modules(solved))
    out = _cli(folder, "classifiers.FullyConnectedNet.loss")
    assert out.returncode == 0, out.stdout
    assert "skipped: needs normalization.batchnorm_forward, which is not implemented yet" in (
        out.stdout
    )
    assert "skipped: needs layers.dropout_forward, which is not implemented yet" in out.stdout
    # A stub of the net's own layers is still a failure, not a skip.
    no_tanh = build_stubs.partly_solved_modules(solved - {"layers.tanh_forward"})
    broken = _cli(_solved(tmp_path / "no-tanh", no_tanh), "classifiers.FullyConnectedNet.loss")
    assert broken.returncode == 1
    assert "needs layers.tanh_forward" in broken.stdout


@pytest.mark.task("layers.affine_forward")
def test_a_failed_part_shows_the_values_of_its_furthest_entry(tmp_path: Path) -> None:
    # The public inputs are no secret: the entry furthest off is shown with both values.
    right = "out = x.reshape(x.shape[0], -1) @ w + b"
    folder = _solved(tmp_path, _mutated("layers", right, right.replace("= ", "= 2 * (") + ")"))
    result = _cli(folder, "layers.affine_forward")
    assert result.returncode == 1
    shown = re.search(r"furthest entry \[(\d+), (\d+)\]: got (\S+), expected (\S+)", result.stdout)
    assert shown, result.stdout
    assert float(shown[3]) == pytest.approx(2 * float(shown[4]), rel=1e-3)
