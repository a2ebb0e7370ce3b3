"""The self-check names the likely mistake, with the rows the grader uses too."""

from __future__ import annotations

from types import ModuleType

import pytest

from autograder.checks.diagnoses import TABLES as GRADED
from autograder.maintain.build_public import reference_module
from autograder.mutation import Mutant
from cs231n_core.check import CheckResult, runner
from cs231n_core.check.diagnoses import PREFIX
from cs231n_core.check.diagnoses import TABLES as SHARED
from tests.catalogue.conventions import executed
from tests.catalogue.mutants import MUTANTS

# Common mistakes, one or two per kind the course names, each with the diagnosis its
# catalogue entry states.
NAMED = (
    "layers: softmax without the max shift",
    "layers: affine backward with dw transposed",
    "layers: softmax loss not averaged over N",
    "layers: affine backward: db averaged instead of summed",
    "normalization: batchnorm running averages with momentum the wrong way round",
    "layers: dropout applies a mask in test mode",
    "optim: nesterov as plain momentum",
    "optim: adam without bias correction",
)


def _run(entry: Mutant, task: str) -> CheckResult:
    module, _ = executed(entry)

    def modules(name: str) -> ModuleType:
        return module if name == entry.module else reference_module(name)

    return runner.run_case(task, modules, runner._data())


def test_every_shared_row_is_one_of_the_graders() -> None:
    # One description of each rule: the grader's tables hold the very rows the
    # self-check uses, in the same order among themselves.
    for task, rows in SHARED.items():
        graded = list(GRADED[task])
        positions = [next(i for i, r in enumerate(graded) if r is row) for row in rows]
        assert positions == sorted(positions), task


@pytest.mark.parametrize("name", NAMED)
def test_the_self_check_names_a_common_mistake(name: str) -> None:
    mutant = next(m for m in MUTANTS if m.name == name)
    result = _run(mutant, mutant.task)
    assert result.status == "fail"
    assert mutant.diagnosis in result.mistake, result.report()
    assert result.report().splitlines()[-1] == f"  {PREFIX}{result.mistake}"

