"""An exception in one section of a check costs that section's parts, and no others.

For every task whose check has independent sections, a student function that raises
on the input of one section only: the other sections' parts still earn their points.
The share kept is written here by hand from the parts' weights (``check/parts.py``);
one graded submission per module holds the raising function of each of its tasks.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from operator import attrgetter

import pytest

from autograder.grading import grade_submission
from autograder.mutation import mutated_module_text, wrap
from autograder.registry import TASKS_BY_ID
from autograder.solutions import write_solution_package
from cs231n_core.check.parts import PARTS

SEED = 20261203
RAISE = "    raise RuntimeError('not handled yet')\n"


@dataclass(frozen=True)
class Raising:
    """The task's function, raising when ``when`` holds; ``kept``: the share of the task's
    weight its other sections keep; ``lost``: the parts of the section that raised."""

    task: str
    when: str
    kept: float
    lost: tuple[str, ...]
    where: str  # how the feedback names the section that raised

    @property
    def body(self) -> str:
        module, name = self.task.split(".", 1)
        function = attrgetter(name)(importlib.import_module(f"autograder.reference.{module}"))
        args = ", ".join(f"{p}={p}" for p in inspect.signature(function).parameters)
        return f"if {self.when}:\n{RAISE}return orig({args})"


CASES = [
    # batchnorm: 3 + 2 + 2 + 1 + 1 + 1 + 0.5; test mode raises (2 + 1).
    Raising("normalization.batchnorm_forward", "bn_param.get('mode') == 'test'", 7.5 / 10.5,
            ("test output", "test mode keeps running statistics"), "in test mode"),
    # layernorm: 3 + 1 + 1; float32 inputs raise.
    Raising("normalization.layernorm_forward", "x.dtype == np.float32", 4 / 5, ("float32",),
            "with float32 inputs"),
    # update rules: next_w 2, state 1, defaults 1, inputs_unchanged 0.5.
    Raising("optim.adam", "config is None", 3.5 / 4.5, ("defaults",), "from config=None"),
    Raising("optim.sgd_momentum", "config is not None and config.get('learning_rate') != 1e-2",
            1.5 / 4.5, ("next_w", "state"), "with a given config"),
    # cosine: decay 2, after_total 1.
    Raising("optim.cosine_decay", "t > total", 2 / 3, ("after_total",), "after total"),
    # dropout forward: four parts of 1; test mode raises.
    Raising("layers.dropout_forward", "dropout_param['mode'] == 'test'", 3 / 4, ("test mode",),
            "in test mode"),
    # dropout backward: train 2, test 1.
    Raising("layers.dropout_backward", "cache[0]['mode'] == 'test'", 2 / 3, ("test",),
            "in test mode"),
    # random initialisers: shape 1, distribution 2, rng 1; the large layer raises.
    Raising("initializers.he", "fan_in * fan_out > 10_000", 2 / 4, ("distribution",),
            "on a large layer"),
    # orthogonal: shape 1, orthonormal 2, random_signs 1, rng 1; a layer of one row or
    # column raises (the rng section draws none).
    Raising("initializers.orthogonal", "min(fan_in, fan_out) == 1", 4 / 5, ("shape",),
            "on small layers"),
    # lsuv: 1.5 + 0.5 + 1 + 0.5 + 0.5 + 0.5; float32 weights raise.
    Raising("initializers.lsuv", "weights[0].dtype == np.float32", 4 / 4.5, ("float32",),
            "with float32 weights"),
    # MeanSubtraction.fit: image 2, channel 2, float32 data 1.
    Raising("preprocessing.MeanSubtraction.fit", "X.dtype == np.float32", 4 / 5,
            ("float32 data",), "with float32 data"),
    # MeanSubtraction.transform: image 2, channel 2, dtypes 0.5, input unchanged 0.5.
    Raising("preprocessing.MeanSubtraction.transform", "X.dtype == np.uint8", 4.5 / 5,
            ("dtypes",), "with float32 and integer data"),
    # Standardization.fit: mean 1, std 2, float32 data 0.5.
    Raising("preprocessing.Standardization.fit", "X.dtype == np.float32", 3 / 3.5,
            ("float32 data",), "with float32 data"),
    # Standardization.transform: output 2, dtypes 0.5, input unchanged 0.5.
    Raising("preprocessing.Standardization.transform", "X.dtype == np.float32", 2.5 / 3,
            ("dtypes",), "with float32 data"),
    # PCAWhitening.transform: projection 1.5, whitened 2, dtypes 0.5, input unchanged 0.5;
    # whitening raises (the float32 section whitens too).
    Raising("preprocessing.PCAWhitening.transform", "self.whiten", 2 / 4.5,
            ("whitened", "dtypes"), "with whitening"),
    # __init__: names and shapes 1, biases... 0.75, PReLU 0.5, weight_scale 1,
    # weight_init 1.25, seed 0.5; float32 raises (names and shapes, weight_scale).
    Raising("classifiers.FullyConnectedNet.__init__", "dtype == np.float32", 3 / 5,
            ("names and shapes", "weight_scale"), "with dtype float32"),
    # loss: scores 2, data loss 1, L2 1, dW 2, db 1, dgamma/dbeta 1, dalpha 0.5; train
    # mode of the net without a hidden layer raises (data loss, L2, dW, db).
    Raising("classifiers.FullyConnectedNet.loss", "y is not None and self.num_layers == 1",
            3.5 / 8.5, ("data loss", "L2 term", "dW", "db"), "in train mode with no hidden layer"),
    # check_accuracy: accuracy 2 (each case), batches 1 (any case); batch_size 1 raises.
    Raising("solver.Solver.check_accuracy", "batch_size == 1", 1 / 3, ("accuracy",),
            "batch_size=1"),
    # _check_divergence: 1 + 1 + 0.5 + 0.5 + 0.5; an empty history raises (a normal loss).
    Raising("solver.Solver._check_divergence", "not self.loss_history", 3 / 3.5,
            ("normal loss",), "with a finite loss with an empty loss history"),
]
MODULES = sorted({c.task.split(".", 1)[0] for c in CASES})


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[float, float, str]]:
    """Every raising function graded: one submission (and one worker) per module."""
    results: dict[str, tuple[float, float, str]] = {}
    for module in MODULES:
        cases = [c for c in CASES if c.task.startswith(f"{module}.")]
        root = tmp_path_factory.mktemp(module)
        changes = [wrap(c.task.split(".", 1)[1], c.body) for c in cases]
        write_solution_package(root, {module: mutated_module_text(module, *changes)})
        report = grade_submission(root, [c.task for c in cases], seed=SEED)
        results.update({t.id: (t.points, t.max_points, t.feedback) for t in report.tasks})
    return results


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.task)
def test_an_exception_costs_only_its_own_section(
    graded: dict[str, tuple[float, float, str]], case: Raising
) -> None:
    points, max_points, feedback = graded[case.task]
    assert max_points == TASKS_BY_ID[case.task].points
    assert points == pytest.approx(max_points * case.kept, abs=1e-3), feedback
    lines = feedback.splitlines()
    for part in PARTS[case.task]:
        mark = "[ ]" if part in case.lost else "[x]"
        assert any(line.startswith(f"{mark} {part}:") for line in lines), (part, feedback)
    # The reason, once, below the parts, with the section it stopped.
    assert feedback.count("RuntimeError: not handled yet") == 1, feedback
    assert any(case.where in line for line in lines if not line.startswith("[")), feedback



def test_an_exception_outside_sections_costs_every_part(tmp_path) -> None:
    """softmax_loss has no sections: it raises on its last input only (scores offset by
    1e4), after its loss and dx passed on the two inputs before. Passes on part of the
    inputs do not show that it works, so both parts fail and the task earns 0 of 3."""
    task = Raising("layers.softmax_loss", "np.abs(x).max() > 5e3", 0.0, ("loss", "dx"), "")
    write_solution_package(tmp_path, {"layers": mutated_module_text(
        "layers", wrap("softmax_loss", task.body))})
    [result] = grade_submission(tmp_path, [task.task], seed=SEED).tasks
    assert (result.points, result.max_points) == (0.0, 3.0), result.feedback
    lines = result.feedback.splitlines()
    for part in ("loss", "dx"):
        assert f"[ ] {part}: stopped by an exception (see below)" in lines, result.feedback
    assert result.feedback.count("RuntimeError: not handled yet") == 1, result.feedback
