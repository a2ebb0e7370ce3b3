"""Mutants and correct alternatives of the learning-rate schedules: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, patch, replace
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("optim")

MUTANTS: list[Mutant] = [
    _mutant("step decay off by one (floor((t + 1) / every))", "step_decay", "t", "t + 1",
        diagnosis="floor(t / every)"),
    _mutant("step decay with ceil instead of floor", "step_decay", "math.floor", "math.ceil",
        diagnosis="floor(t / every)"),
    _mutant("step decay decays continuously", "step_decay", "math.floor(t / every)", "t / every",
        diagnosis="continuously"),
    _mutant("exponential decay off by one (exp(-k * (t + 1)))", "exponential_decay", "t", "t + 1",
        diagnosis="off by one"),
    _mutant("exponential decay grows (exp(k * t))", "exponential_decay", "-k", "k",
        diagnosis="grows"),
    _mutant("inverse time decay off by one (1 + k * (t + 1))", "inverse_time_decay", "t", "t + 1",
        diagnosis="off by one"),
    _mutant("inverse time decay as lr0 / (1 + k)**t", "inverse_time_decay",
        "1 + k * t", "(1 + k) ** t",
        diagnosis="exponentially"),
    _mutant("cosine decay not clipped after total", "cosine_decay", "min(t, total)", "t",
        diagnosis="clip t at total"),
    _mutant(
        "cosine decay ignores lr_min",
        "cosine_decay",
        "lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))",
        "0.5 * lr0 * (1 + math.cos(math.pi * progress))",
        diagnosis="lr_min is ignored",
    ),
    _mutant("cosine decay off by one (t + 1)", "cosine_decay", "t", "t + 1",
        diagnosis="off by one"),
    _mutant("cosine decay without pi", "cosine_decay", "math.pi * progress", "progress",
        diagnosis="misses pi"),
]

ALTERNATIVES: list[Alternative] = [
    _alternative("step decay with t // every", "step_decay", "math.floor(t / every)", "t // every"),
    _alternative("exponential decay as lr0 * e**(-k t)", "exponential_decay",
        "math.exp(-k * t)", "math.e ** (-k * t)"),
    _alternative("inverse time decay as lr0 * (1 + k t)**-1", "inverse_time_decay",
        "lr0 / (1 + k * t)", "lr0 * (1 + k * t) ** (-1)"),
    Alternative(
        "optim: cosine decay through cos^2 and np.clip",
        "optim",
        patch(
            "cosine_decay",
            replace("min(t, total) / total", "np.clip(t / total, 0.0, 1.0)"),
            replace("0.5 * (lr0 - lr_min)", "lr0 - lr_min"),
            replace("1 + math.cos(math.pi * progress)", "np.cos(0.5 * np.pi * progress) ** 2"),
        ),
    ),
]
