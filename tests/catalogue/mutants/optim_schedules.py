"""Mutants and correct alternatives of the learning-rate schedules: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, patch, replace

MUTANTS: list[Mutant] = [
    Mutant(
        "optim: step decay off by one (floor((t + 1) / every))",
        "optim.step_decay",
        replace("t", "t + 1"),
    ),
    Mutant(
        "optim: step decay with ceil instead of floor",
        "optim.step_decay",
        replace("math.floor", "math.ceil"),
    ),
    Mutant(
        "optim: step decay decays continuously",
        "optim.step_decay",
        replace("math.floor(t / every)", "t / every"),
    ),
    Mutant(
        "optim: exponential decay off by one (exp(-k * (t + 1)))",
        "optim.exponential_decay",
        replace("t", "t + 1"),
    ),
    Mutant(
        "optim: exponential decay grows (exp(k * t))",
        "optim.exponential_decay",
        replace("-k", "k"),
    ),
    Mutant(
        "optim: inverse time decay off by one (1 + k * (t + 1))",
        "optim.inverse_time_decay",
        replace("t", "t + 1"),
    ),
    Mutant(
        "optim: inverse time decay as lr0 / (1 + k)**t",
        "optim.inverse_time_decay",
        replace("1 + k * t", "(1 + k) ** t"),
    ),
    Mutant(
        "optim: cosine decay not clipped after total",
        "optim.cosine_decay",
        replace("min(t, total)", "t"),
    ),
    Mutant(
        "optim: cosine decay ignores lr_min",
        "optim.cosine_decay",
        replace(
                "lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))",
                "0.5 * lr0 * (1 + math.cos(math.pi * progress))",
            ),
    ),
    Mutant(
        "optim: cosine decay off by one (t + 1)",
        "optim.cosine_decay",
        replace("t", "t + 1"),
    ),
    Mutant(
        "optim: cosine decay without pi",
        "optim.cosine_decay",
        replace("math.pi * progress", "progress"),
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "optim: step decay with t // every",
        "optim",
        patch("step_decay", replace("math.floor(t / every)", "t // every")),
    ),
    Alternative(
        "optim: exponential decay as lr0 * e**(-k t)",
        "optim",
        patch("exponential_decay", replace("math.exp(-k * t)", "math.e ** (-k * t)")),
    ),
    Alternative(
        "optim: inverse time decay as lr0 * (1 + k t)**-1",
        "optim",
        patch("inverse_time_decay", replace("lr0 / (1 + k * t)", "lr0 * (1 + k * t) ** (-1)")),
    ),
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
