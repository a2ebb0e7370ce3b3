"""Realistic student bugs and legitimately different correct answers, as edits of the reference.

Each ``Mutant`` replaces one exact snippet of a reference module (it must occur
exactly once) and must lose points in its own task and in no other. Each
``Alternative`` is a different but correct implementation and must keep full marks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    task: str  # the registry id that must lose points
    find: str
    replace: str

    @property
    def module(self) -> str:
        return self.task.split(".", 1)[0]


@dataclass(frozen=True)
class Alternative:
    name: str
    module: str
    find: str
    replace: str


MUTANTS: list[Mutant] = [
    Mutant(
        "affine forward without the bias",
        "layers.affine_forward",
        "out = x.reshape(x.shape[0], -1) @ w + b",
        "out = x.reshape(x.shape[0], -1) @ w",
    ),
    Mutant(
        "affine backward: db averaged instead of summed",
        "layers.affine_backward",
        "db = dout.sum(axis=0)",
        "db = dout.mean(axis=0)",
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "affine forward with np.dot and an explicit reshape",
        "layers",
        "out = x.reshape(x.shape[0], -1) @ w + b",
        "out = np.dot(np.reshape(x, (len(x), w.shape[0])), w) + b[None, :]",
    ),
]
