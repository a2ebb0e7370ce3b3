"""Hidden checks of the ``normalization`` tasks (batch and layer normalisation).

Inputs have a non-zero mean and a non-unit spread per feature, and eps and
momentum are drawn away from their defaults (momentum far from 1/2, so a swapped
average fails), so a hard-coded constant shows. Batchnorm needs N >= 2; with
N == 2 (or D == 2 for layernorm) the gradient with respect to x is of order
eps / var, so those cases use a large eps to keep it of order 1.

Backward passes are graded on caches made in TRAIN mode only: the reference's
backward passes also accept a test-mode cache, but CS231n-style code usually
ignores the mode there, and the API does not make test-time gradients a task.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.harness import BackwardCase, CheckAbort, Section, TaskRun, check
from autograder.reference import normalization as ref

# ----------------------------------------------------------------- helpers


def _dim(run: TaskRun, low: int, high: int) -> int:
    return int(run.rng.integers(low, high + 1))


def _inputs(
    run: TaskRun, n: int, d: int, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (per-feature offset and spread), gamma (both signs, away from 0) and beta."""
    x = run.rng.normal(
        loc=run.rng.uniform(-3, 3, size=d),
        scale=spread * run.rng.uniform(0.5, 3, size=d),
        size=(n, d),
    )
    gamma = run.rng.uniform(0.5, 2.0, size=d) * run.rng.choice([-1.0, 1.0], size=d)
    beta = run.rng.normal(size=d)
    return x, gamma, beta


def _eps(run: TaskRun) -> float:
    # Far from the default 1e-5 (a hard-coded eps fails) yet small next to the variances.
    return float(10 ** run.rng.uniform(-3, -1.5))


def _bn_param(run: TaskRun, mode: str, d: int) -> dict[str, Any]:
    return {
        "mode": mode,
        "eps": _eps(run),
        "momentum": float(run.rng.uniform(0.7, 0.95)),
        "running_mean": run.rng.normal(size=d),
        "running_var": run.rng.uniform(0.5, 3.0, size=d),
    }


def _copy(param: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in param.items()}


def _forward_output(run: TaskRun, value: Any, what: str) -> Any:
    return run.returns(value, 2, f"the return value of your {what}")[0]


def _close_float32(run: TaskRun, part: str, got: Any, expected: np.ndarray) -> bool:
    """float32 inputs must give a float32 answer, within the float32 tolerance."""
    if type(got) is np.ndarray and got.dtype != np.float32:
        return run.check(part, False, f"float32 inputs gave an output of dtype {got.dtype}")
    return run.close(part, got, expected)


def _running_stats(run: TaskRun, part: str, param_after: Any, expected: dict[str, Any]) -> None:
    """Score running_mean and running_var as bn_param holds them after the call.

    Both storing new arrays in bn_param and updating the passed arrays in place
    leave the right values there, so both pass.
    """
    for key in ("running_mean", "running_var"):
        if type(param_after) is not dict or key not in param_after:
            run.check(part, False, f"bn_param has no '{key}' after the call")
            continue
        failed_before = part in run.results and not run.results[part].passed
        if not run.close(part, param_after[key], expected[key]) and not failed_before:
            result = run.results[part]  # name the entry in the message
            result.message = result.message.replace(f"{part}: ", f"{part}: bn_param['{key}']: ", 1)


# ----------------------------------------------------------------- batchnorm forward


@check("normalization.batchnorm_forward")
def _batchnorm_forward(run: TaskRun) -> None:
    """Five independent sections: an exception in one fails only that section's parts."""

    def train() -> None:
        # Train mode: a general batch and the smallest one (N = 2, D = 1).
        for n, d in ((_dim(run, 3, 8), _dim(run, 2, 6)), (2, 1)):
            x, gamma, beta = _inputs(run, n, d)
            param = _bn_param(run, "train", d)
            expected_param = _copy(param)
            ref_out = ref.batchnorm_forward(x, gamma, beta, expected_param)[0]
            result = run.call_full((x, gamma, beta, _copy(param)))
            run.close(
                "train output", _forward_output(run, result["value"], "batchnorm_forward"), ref_out
            )
            _running_stats(run, "running statistics", result["args"][3], expected_param)

    def test() -> None:
        # Test mode: normalise with the running statistics and leave them alone.
        n, d = _dim(run, 2, 8), _dim(run, 2, 6)
        x, gamma, beta = _inputs(run, n, d)
        param = _bn_param(run, "test", d)
        ref_out = ref.batchnorm_forward(x, gamma, beta, _copy(param))[0]
        result = run.call_full((x, gamma, beta, _copy(param)))
        out = _forward_output(run, result["value"], "batchnorm_forward")
        run.close("test output", out, ref_out)
        _running_stats(run, "test mode keeps running statistics", result["args"][3], param)

    def defaults() -> None:
        # Defaults (eps 1e-5, momentum 0.9, zero running statistics). The spread is
        # small enough (variance near 1e-5) that another eps changes the output.
        n, d = _dim(run, 4, 8), _dim(run, 2, 5)
        x, gamma, beta = _inputs(run, n, d, spread=2e-3)
        expected_param = {"mode": "train"}
        ref_out = ref.batchnorm_forward(x, gamma, beta, expected_param)[0]
        result = run.call_full((x, gamma, beta, {"mode": "train"}))
        run.close("defaults", _forward_output(run, result["value"], "batchnorm_forward"), ref_out)
        _running_stats(run, "defaults", result["args"][3], expected_param)

    def float32() -> None:
        # float32 in, float32 out (compared with the float64 answer).
        n, d = _dim(run, 3, 8), _dim(run, 2, 6)
        x, gamma, beta = _inputs(run, n, d)
        param = _bn_param(run, "train", d)
        ref_out = ref.batchnorm_forward(x, gamma, beta, _copy(param))[0]
        param32 = {
            k: v.astype(np.float32) if isinstance(v, np.ndarray) else v for k, v in param.items()
        }
        x32, gamma32, beta32 = (a.astype(np.float32) for a in (x, gamma, beta))
        out = run.call(x32, gamma32, beta32, param32)
        _close_float32(run, "float32", _forward_output(run, out, "batchnorm_forward"), ref_out)

    def bad_mode() -> None:
        # Any mode but 'train' and 'test' raises ValueError (last: it ends in an exception).
        x, gamma, beta = _inputs(run, 4, 3)
        try:
            run.call(x, gamma, beta, {**_bn_param(run, "train", 3), "mode": "eval"})
        except CheckAbort as exc:
            lines = str(exc).strip().splitlines()
            run.check(
                "bad mode",
                bool(lines) and lines[-1].startswith("ValueError"),
                "mode='eval' must raise ValueError, but raised another exception",
                "mode='eval' raises ValueError",
            )
        else:
            run.check(
                "bad mode", False, "mode='eval' must raise ValueError, but nothing was raised"
            )

    run.independently(
        Section("in train mode", ("train output", "running statistics"), train),
        Section("in test mode", ("test output", "test mode keeps running statistics"), test),
        Section("with the defaults", ("defaults",), defaults),
        Section("with float32 inputs", ("float32",), float32),
        Section("with a bad mode", ("bad mode",), bad_mode),
    )


# ----------------------------------------------------------------- backward passes


def _check_backward(run: TaskRun, forward: str, cases: list[BackwardCase]) -> None:
    """``run.check_backward`` scoring dx, dgamma and dbeta of every case."""

    def score(case: BackwardCase, grads: Any, _out: Any) -> None:
        dx, dgamma, dbeta = run.returns(grads, 3)
        run.close("dx", dx, case.expected[0])
        run.close("dgamma", dgamma, case.expected[1])
        run.close("dbeta", dbeta, case.expected[2])

    run.check_backward(forward, cases, score)


def _batchnorm_cases(run: TaskRun, backward: Any) -> list[BackwardCase]:
    # (N, D, eps): a general batch, N == 2 (large eps, see the module docstring), D == 1.
    shapes = [
        (_dim(run, 3, 8), _dim(run, 2, 6), _eps(run)),
        (2, _dim(run, 1, 4), 0.5),
        (_dim(run, 5, 10), 1, _eps(run)),
    ]
    cases = []
    for n, d, eps in shapes:
        x, gamma, beta = _inputs(run, n, d)
        param = {"mode": "train", "eps": eps}  # train mode only: see the module docstring
        out, cache = ref.batchnorm_forward(x, gamma, beta, dict(param))
        dout = run.rng.standard_normal((n, d))
        cases.append(
            BackwardCase((x, gamma, beta, param), dout, cache, out, backward(dout, cache))
        )
    return cases


@check("normalization.batchnorm_backward")
def _batchnorm_backward(run: TaskRun) -> None:
    _check_backward(run, "batchnorm_forward", _batchnorm_cases(run, ref.batchnorm_backward))


@check("normalization.batchnorm_backward_alt")
def _batchnorm_backward_alt(run: TaskRun) -> None:
    # Graded like the graph version: the same answers, whichever way they are computed.
    _check_backward(run, "batchnorm_forward", _batchnorm_cases(run, ref.batchnorm_backward_alt))


# ----------------------------------------------------------------- layernorm


def _layernorm_inputs(
    run: TaskRun, n: int, d: int, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like _inputs, with the offset and spread varying per sample (row) instead."""
    x = run.rng.normal(
        loc=run.rng.uniform(-3, 3, size=(n, 1)),
        scale=spread * run.rng.uniform(0.5, 3, size=(n, 1)),
        size=(n, d),
    )
    gamma = run.rng.uniform(0.5, 2.0, size=d) * run.rng.choice([-1.0, 1.0], size=d)
    beta = run.rng.normal(size=d)
    return x, gamma, beta


@check("normalization.layernorm_forward")
def _layernorm_forward(run: TaskRun) -> None:
    """Three independent sections: given eps, the default eps, float32 inputs."""

    def given() -> None:
        # A general batch, one sample, and D == 1 (the output is beta); an ignored 'mode' key.
        shapes = ((_dim(run, 2, 6), _dim(run, 3, 8)), (1, _dim(run, 2, 6)), (_dim(run, 2, 5), 1))
        for n, d in shapes:
            x, gamma, beta = _layernorm_inputs(run, n, d)
            param = {"eps": _eps(run), "mode": "train"}
            out = run.call(x, gamma, beta, dict(param))
            run.close(
                "out",
                _forward_output(run, out, "layernorm_forward"),
                ref.layernorm_forward(x, gamma, beta, param)[0],
            )

    def defaults() -> None:
        # The default eps (1e-5): rows with a variance near 1e-5, where another eps shows.
        x, gamma, beta = _layernorm_inputs(run, _dim(run, 2, 5), _dim(run, 3, 8), spread=2e-3)
        out = run.call(x, gamma, beta, {})
        run.close(
            "defaults",
            _forward_output(run, out, "layernorm_forward"),
            ref.layernorm_forward(x, gamma, beta, {})[0],
        )

    def float32() -> None:
        x, gamma, beta = _layernorm_inputs(run, _dim(run, 2, 6), _dim(run, 3, 8))
        param = {"eps": _eps(run)}
        out = run.call(
            x.astype(np.float32), gamma.astype(np.float32), beta.astype(np.float32), dict(param)
        )
        _close_float32(
            run,
            "float32",
            _forward_output(run, out, "layernorm_forward"),
            ref.layernorm_forward(x, gamma, beta, param)[0],
        )

    run.independently(
        Section("with a given eps", ("out",), given),
        Section("with the defaults", ("defaults",), defaults),
        Section("with float32 inputs", ("float32",), float32),
    )


@check("normalization.layernorm_backward")
def _layernorm_backward(run: TaskRun) -> None:
    # (N, D, eps): a general batch, one sample, D == 2 (large eps). D == 1 is left
    # out: dx is exactly 0 there and only rounding would be compared.
    shapes = [
        (_dim(run, 2, 6), _dim(run, 3, 8), _eps(run)),
        (1, _dim(run, 3, 7), _eps(run)),
        (_dim(run, 3, 6), 2, 0.5),
    ]
    cases = []
    for n, d, eps in shapes:
        x, gamma, beta = _layernorm_inputs(run, n, d)
        param = {"eps": eps}
        out, cache = ref.layernorm_forward(x, gamma, beta, param)
        dout = run.rng.standard_normal((n, d))
        expected = ref.layernorm_backward(dout, cache)
        cases.append(BackwardCase((x, gamma, beta, param), dout, cache, out, expected))
    _check_backward(run, "layernorm_forward", cases)
