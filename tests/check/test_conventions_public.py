"""The self-check on student code written to CS231n's conventions (the entries of
tests/catalogue/conventions, judged by tests/grader/test_conventions.py)."""

from __future__ import annotations

from types import ModuleType

import pytest

from autograder.maintain.build_public import reference_module
from autograder.mutation import Alternative, Mutant
from cs231n_core.check import CheckResult, runner
from tests.catalogue.conventions import CORRECT, DEFAULTS_ONLY, WRONG, executed


def _public(entry: Mutant | Alternative) -> dict[str, CheckResult]:
    """The self-check of every task the entry rewrites, run on its module."""
    module, names = executed(entry)

    def modules(name: str) -> ModuleType:
        return module if name == entry.module else reference_module(name)

    data = runner._data()
    ids = [f"{entry.module}.{n}" for n in names]
    return {i: runner.run_case(i, modules, data) for i in ids}


@pytest.mark.parametrize("entry", CORRECT, ids=lambda e: e.name)
def test_a_correct_convention_passes_the_self_check(entry: Alternative) -> None:
    results = _public(entry)
    assert {i: r.status for i, r in results.items()} == dict.fromkeys(results, "pass"), {
        i: r.report() for i, r in results.items()
    }


@pytest.mark.parametrize("entry", WRONG, ids=lambda e: e.name)
def test_a_wrong_convention_fails_its_task_in_the_self_check(entry: Mutant) -> None:
    results = _public(entry)
    own = results.pop(entry.task)
    assert own.status in ("fail", "error"), own.report()
    assert {i: r.status for i, r in results.items()} == dict.fromkeys(results, "pass")


@pytest.mark.parametrize("entry", DEFAULTS_ONLY, ids=lambda e: e.name)
def test_a_constructor_without_our_arguments_is_checked_and_told_what_is_missing(
    entry: Mutant,
) -> None:
    # Checked to the end, not stopped by a TypeError. Its weights are not the documented
    # draws from the seed, which the stored answers hold, so more parts than these fail.
    result = _public(entry)[entry.task]
    assert result.status == "fail" and result.message == "", result.report()
    missing = {p.part for p in result.parts if p.status == "fail" and "takes no" in p.detail}
    assert missing == {"PReLU slopes", "weight_init"}, result.report()


def test_a_backward_pass_after_a_wrong_forward_says_which_cache_it_used() -> None:
    entry = Alternative("affine forward without its bias", "layers", r"""
def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w, b)
""")
    result = _public(entry)["layers.affine_forward"]
    assert result.status == "fail"
    module, _ = executed(entry)
    backward = runner.run_case(
        "layers.affine_backward",
        lambda name: module if name == "layers" else reference_module(name),
        runner._data(),
    )
    lines = [p for p in backward.parts if p.name in ("dx", "dw", "db")]
    assert [p.status for p in lines] == ["pass"] * 3, backward.report()
    assert all("the cache the docstring describes" in p.detail for p in lines)
