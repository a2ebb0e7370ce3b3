"""Mutants and correct alternatives of the learning-rate schedules: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "optim: step decay off by one (floor((t + 1) / every))",
        "optim.step_decay",
        r"""
            def step_decay(lr0, t, drop=0.5, every=10):
                lr = lr0 * drop ** math.floor((t + 1) / every)  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: step decay with ceil instead of floor",
        "optim.step_decay",
        r"""
            def step_decay(lr0, t, drop=0.5, every=10):
                lr = lr0 * drop ** math.ceil(t / every)  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: step decay decays continuously",
        "optim.step_decay",
        r"""
            def step_decay(lr0, t, drop=0.5, every=10):
                lr = lr0 * drop ** (t / every)  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: exponential decay off by one (exp(-k * (t + 1)))",
        "optim.exponential_decay",
        r"""
            def exponential_decay(lr0, t, k=0.1):
                lr = lr0 * math.exp(-k * (t + 1))  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: exponential decay grows (exp(k * t))",
        "optim.exponential_decay",
        r"""
            def exponential_decay(lr0, t, k=0.1):
                lr = lr0 * math.exp(k * t)  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: inverse time decay off by one (1 + k * (t + 1))",
        "optim.inverse_time_decay",
        r"""
            def inverse_time_decay(lr0, t, k=0.1):
                lr = lr0 / (1 + k * (t + 1))  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: inverse time decay as lr0 / (1 + k)**t",
        "optim.inverse_time_decay",
        r"""
            def inverse_time_decay(lr0, t, k=0.1):
                lr = lr0 / (1 + k) ** t  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: cosine decay not clipped after total",
        "optim.cosine_decay",
        r"""
            def cosine_decay(lr0, t, total, lr_min=0.0):
                progress = t / total  # bug
                lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))
                return float(lr)
        """,
    ),
    Mutant(
        "optim: cosine decay ignores lr_min",
        "optim.cosine_decay",
        r"""
            def cosine_decay(lr0, t, total, lr_min=0.0):
                progress = min(t, total) / total
                lr = 0.5 * lr0 * (1 + math.cos(math.pi * progress))  # bug
                return float(lr)
        """,
    ),
    Mutant(
        "optim: cosine decay off by one (t + 1)",
        "optim.cosine_decay",
        r"""
            def cosine_decay(lr0, t, total, lr_min=0.0):
                progress = min(t + 1, total) / total  # bug
                lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))
                return float(lr)
        """,
    ),
    Mutant(
        "optim: cosine decay without pi",
        "optim.cosine_decay",
        r"""
            def cosine_decay(lr0, t, total, lr_min=0.0):
                progress = min(t, total) / total
                lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(progress))  # bug
                return float(lr)
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "optim: step decay with t // every",
        "optim",
        r"""
            def step_decay(lr0, t, drop=0.5, every=10):
                lr = lr0 * drop ** (t // every)
                return float(lr)
        """,
    ),
    Alternative(
        "optim: exponential decay as lr0 * e**(-k t)",
        "optim",
        r"""
            def exponential_decay(lr0, t, k=0.1):
                lr = lr0 * math.e ** (-k * t)
                return float(lr)
        """,
    ),
    Alternative(
        "optim: inverse time decay as lr0 * (1 + k t)**-1",
        "optim",
        r"""
            def inverse_time_decay(lr0, t, k=0.1):
                lr = lr0 * (1 + k * t) ** (-1)
                return float(lr)
        """,
    ),
    Alternative(
        "optim: cosine decay through cos^2 and np.clip",
        "optim",
        r"""
            def cosine_decay(lr0, t, total, lr_min=0.0):
                progress = np.clip(t / total, 0.0, 1.0)
                lr = lr_min + (lr0 - lr_min) * np.cos(0.5 * np.pi * progress) ** 2
                return float(lr)
        """,
    ),
]
