"""CPU seconds of the reference's training path: two 256-256 networks on MNIST-1D.

One network trains with adam and L2 (as notebook 06's ensemble members do), one with
momentum and no L2 (as the public check's builds do), 30 epochs of minibatches of 50 each,
on one BLAS thread. The final loss and best validation accuracy are printed, so that two
versions of the reference can be compared for speed and for results at once::

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.reference_training
"""

from __future__ import annotations

import time

import numpy as np

from autograder.reference.classifiers import FullyConnectedNet
from autograder.reference.solver import Solver
from cs231n_core.data_utils import load_dataset

RUNS: tuple[tuple[str, float, float], ...] = (("adam", 3e-3, 3e-3), ("sgd_momentum", 1e-2, 0.0))
EPOCHS = 30


def train_all(epochs: int = EPOCHS) -> tuple[float, list[str]]:
    """Train each network of RUNS; return the CPU seconds and one result line per network."""
    raw, _ = load_dataset("mnist1d")
    data = {key: raw[key].astype(np.float32) if key.startswith("X") else raw[key]
            for key in ("X_train", "y_train", "X_val", "y_val")}
    start = time.process_time()
    results = []
    for rule, lr, reg in RUNS:
        net = FullyConnectedNet([256, 256], input_dim=data["X_train"].shape[1], num_classes=10,
                                reg=reg, weight_init="he", dtype=np.float32, seed=0)
        solver = Solver(net, data, update_rule=rule, optim_config={"learning_rate": lr},
                        num_epochs=epochs, batch_size=50, verbose=False, seed=0)
        solver.train()
        results.append(f"{rule}: best val acc {solver.best_val_acc:.4f}, "
                       f"last loss {solver.loss_history[-1]:.6f}")
    return time.process_time() - start, results


if __name__ == "__main__":
    seconds, lines = train_all()
    print(f"{seconds:.2f} s CPU; " + "; ".join(lines))
