"""Hidden checks of the ``layers`` tasks."""

from __future__ import annotations

from autograder.checks import TaskRun, check
from autograder.reference import layers as ref


@check("layers.affine_forward", parts={"out": 1.0})
def _affine_forward(run: TaskRun) -> None:
    n, shape, m = int(run.rng.integers(2, 6)), (3, int(run.rng.integers(2, 5))), 4
    x = run.rng.standard_normal((n, *shape))
    w = run.rng.standard_normal((shape[0] * shape[1], m))
    b = run.rng.standard_normal(m)
    out, _ = run.returns(run.call(x, w, b), 2)
    run.close("out", out, ref.affine_forward(x, w, b)[0])


@check("layers.affine_backward", parts={"dx": 1.0, "dw": 1.0, "db": 1.0})
def _affine_backward(run: TaskRun) -> None:
    n, shape, m = int(run.rng.integers(2, 6)), (2, int(run.rng.integers(2, 5))), 3
    x = run.rng.standard_normal((n, *shape))
    w = run.rng.standard_normal((shape[0] * shape[1], m))
    b = run.rng.standard_normal(m)
    dout = run.rng.standard_normal((n, m))
    rdx, rdw, rdb = ref.affine_backward(dout, ref.affine_forward(x, w, b)[1])

    def score(grads: object) -> None:
        dx, dw, db = run.returns(grads, 3)
        run.close("dx", dx, rdx)
        run.close("dw", dw, rdw)
        run.close("db", db, rdb)

    run.check_backward("affine_forward", (x, w, b), dout, ref.affine_forward(x, w, b)[1], score)
