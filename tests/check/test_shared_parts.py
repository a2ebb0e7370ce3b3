"""The self-check and the graded checks describe each task's parts once (check/parts.py)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.harness import TaskRun, load_checks
from autograder.maintain import build_public
from autograder.maintain.build_public import reference_module
from autograder.registry import TASKS
from cs231n_core import check as public
from cs231n_core.check import harness
from cs231n_core.check.parts import FLOAT32_TOL, PARTS, PUBLIC_TOLERANCES, Part, weights

TASK_IDS = [t.id for t in TASKS]
HABITS = {"no warnings", "inputs unchanged"}  # checked in every task, parts of none


@pytest.fixture(scope="module")
def public_lines(
    reference_build: build_public.CheckedBuild,
) -> dict[str, list[public.PartResult]]:
    """Every line each task's self-check scores when run on the reference (the run of the
    reference's build, which checks it against the answers it built)."""
    results = reference_build[1]
    assert list(results) == TASK_IDS
    assert {r.status for r in results.values()} == {"pass"}
    return {i: r.parts for i, r in results.items()}


def test_every_task_is_described_once() -> None:
    assert list(PARTS) == TASK_IDS
    assert all(PARTS[i] and all(isinstance(p, Part) for p in PARTS[i].values()) for i in PARTS)


def test_the_graded_checks_take_their_parts_from_the_description() -> None:
    checks = load_checks()
    assert {i: checks[i].parts for i in TASK_IDS} == {i: weights(i) for i in TASK_IDS}


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_the_self_check_checks_a_subset_of_the_graded_parts(
    task_id: str, public_lines: dict[str, list[public.PartResult]]
) -> None:
    described = PARTS[task_id]
    lines = [p for p in public_lines[task_id] if p.name not in HABITS]
    assert lines, f"{task_id}: the self-check scores nothing"
    for line in lines:
        assert line.part in described, f"{task_id}: {line.name!r} is not a graded part"
        assert line.name == line.part or line.name.startswith(f"{line.part} (")
        modes = described[line.part].modes
        assert not modes or line.mode in modes, f"{task_id}: {line.name!r} in mode {line.mode!r}"
        if line.tol is not None:
            assert line.tol in PUBLIC_TOLERANCES, f"{task_id}: {line.name!r} tol {line.tol}"


def test_batchnorm_backward_is_checked_in_train_mode_only(
    public_lines: dict[str, list[public.PartResult]],
) -> None:
    for task_id in ("normalization.batchnorm_backward", "normalization.batchnorm_backward_alt"):
        assert {p.mode for p in public_lines[task_id]} == {"train"}
        assert {p.part for p in public_lines[task_id]} == {"dx", "dgamma", "dbeta"}


def test_an_undeclared_part_or_mode_is_refused() -> None:
    trial = harness.Trial("normalization.batchnorm_backward", reference_module, {})
    with pytest.raises(KeyError, match="not one of its parts"):
        trial.line("dx vs numerical gradient")
    with pytest.raises(KeyError, match="mode"):
        trial.line("dx", mode="test")
    assert trial.line("dx", "vs numerical gradient", "train").name == (
        "dx (vs numerical gradient, train mode)"
    )


def test_graded_tolerance_comes_from_the_description(monkeypatch: pytest.MonkeyPatch) -> None:
    task_id = "layers.affine_forward"
    run = TaskRun(task_id, weights(task_id), np.random.default_rng(0), session=None)  # type: ignore[arg-type]
    expected = np.ones(4)
    assert not run.close("out", expected * (1 + 1e-4), expected)
    monkeypatch.setitem(PARTS, task_id, {"out": Part(1.0, tol=FLOAT32_TOL * 10)})
    run.results = {}
    assert run.close("out", expected * (1 + 1e-4), expected)
