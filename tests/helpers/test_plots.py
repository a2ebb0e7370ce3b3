"""The plot helpers: each returns a Figure whose axes have a title, axis labels and a legend."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cs231n_core.plots import (
    plot_accuracy,
    plot_activation,
    plot_layer_histograms,
    plot_loss,
    plot_search,
    plot_trajectories,
    plot_update_ratios,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean plot warns about nothing
        yield
    plt.close("all")


def _labelled(ax: Axes) -> None:
    assert ax.get_title(), "missing title"
    assert ax.get_xlabel(), "missing x label"
    assert ax.get_ylabel(), "missing y label"


def _legend_labels(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, "missing legend"
    return [t.get_text() for t in legend.get_texts()]


def _line(ax: Axes, label: str) -> np.ndarray:
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return np.asarray(line.get_ydata(), dtype=np.float64)


# ---------------------------------------------------------------------------------------------


def test_plot_loss_draws_raw_loss_and_moving_average() -> None:
    fig = plot_loss(np.arange(10.0), window=3)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    _labelled(ax)
    labels = _legend_labels(ax)
    assert labels == ["loss per iteration", "moving average (3 iterations)"]
    # Mean of 0..9 over windows of 3: window k covers k, k+1, k+2 and ends at iteration k+2.
    smooth = ax.get_lines()[1]
    np.testing.assert_allclose(smooth.get_xdata(), np.arange(2, 10))
    np.testing.assert_allclose(smooth.get_ydata(), np.arange(1.0, 9.0))


def test_plot_loss_survives_a_diverged_run() -> None:
    loss = [2.3, 2.2, np.inf, np.nan, 2.0]
    fig = plot_loss(loss, window=2)
    raw = _line(fig.axes[0], "loss per iteration")
    assert raw[0] == 2.3 and np.isnan(raw[2]) and np.isnan(raw[3])


def test_plot_loss_short_history_has_no_average() -> None:
    fig = plot_loss([1.0, 0.9], window=25)
    assert _legend_labels(fig.axes[0]) == ["loss per iteration"]
    _labelled(fig.axes[0])


def test_plot_accuracy() -> None:
    fig = plot_accuracy([0.2, 0.5, 0.8], [0.2, 0.4, 0.5], target=0.55)
    (ax,) = fig.axes
    _labelled(ax)
    assert _legend_labels(ax) == ["train", "validation", "target 0.55"]
    np.testing.assert_allclose(_line(ax, "validation"), [0.2, 0.4, 0.5])
    assert _legend_labels(plot_accuracy([0.1], [0.1]).axes[0]) == ["train", "validation"]


def test_plot_update_ratios_log_axis_and_guide_line() -> None:
    history = {"W1": [1e-3, 2e-3, 5e-4], "b1": [0.0, 1e-3, np.inf], "W2": [1e-2, 1e-2, 1e-2]}
    fig = plot_update_ratios(history)
    (ax,) = fig.axes
    _labelled(ax)
    assert ax.get_yscale() == "log"
    labels = _legend_labels(ax)
    assert labels[:3] == ["W1", "b1", "W2"] and "1e-3" in labels[3]
    guide = ax.get_lines()[3]
    np.testing.assert_allclose(guide.get_ydata(), [1e-3, 1e-3])
    b1 = _line(ax, "b1")
    assert np.isnan(b1[0]) and b1[1] == 1e-3 and np.isnan(b1[2])


def test_plot_update_ratios_with_nothing_positive() -> None:
    fig = plot_update_ratios({"b": [0.0, 0.0]})
    assert fig.axes[0].get_yscale() == "log"


@pytest.mark.parametrize(("n_layers", "kind"), [(1, "activations"), (7, "gradients")])
def test_plot_layer_histograms(n_layers: int, kind: str) -> None:
    rng = np.random.default_rng(0)
    layers = [rng.normal(0.0, 0.5**i, size=(20, 30)) for i in range(n_layers)]
    fig = plot_layer_histograms(layers, kind=kind)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == n_layers
    assert fig.get_suptitle() == f"Per-layer {kind}"
    for i, ax in enumerate(visible):
        _labelled(ax)
        assert ax.get_title() == f"layer {i + 1}"
        assert kind[:-1] in ax.get_xlabel()
        (text,) = _legend_labels(ax)
        assert f"std {layers[i].std():.2g}" in text


def test_plot_layer_histograms_constant_and_labelled_layers() -> None:
    fig = plot_layer_histograms(
        [np.zeros((4, 5)), np.ones(3)], title="W = 0", labels=["hidden", "output"]
    )
    assert fig.get_suptitle() == "W = 0"
    assert [ax.get_title() for ax in fig.axes] == ["hidden", "output"]
    assert _legend_labels(fig.axes[0]) == ["mean 0\nstd 0"]


def test_plot_layer_histograms_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="kind"):
        plot_layer_histograms([np.zeros(3)], kind="weights")
    with pytest.raises(ValueError, match="labels"):
        plot_layer_histograms([np.zeros(3)], labels=["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        plot_layer_histograms([])


def test_plot_search_scatter_in_log_space_marks_the_best() -> None:
    results = [
        {"lr": 1e-3, "reg": 1e-2, "val_acc": 0.40},
        {"lr": 1e-4, "reg": 1e-1, "val_acc": 0.55},
        {"lr": 1e-2, "reg": 1e-4, "val_acc": 0.10},
    ]
    fig = plot_search(results)
    ax, colorbar = fig.axes
    _labelled(ax)
    assert colorbar.get_ylabel() == "validation accuracy"
    labels = _legend_labels(ax)
    assert labels[0] == "trial" and "acc=0.550" in labels[1]
    trials, best = ax.collections
    np.testing.assert_allclose(trials.get_offsets(), [[-3, -2], [-4, -1], [-2, -4]])
    np.testing.assert_allclose(best.get_offsets(), [[-4, -1]])
    np.testing.assert_allclose(trials.get_array(), [0.40, 0.55, 0.10])


def test_plot_search_rejects_zero_reg_and_no_results() -> None:
    with pytest.raises(ValueError, match="positive"):
        plot_search([{"lr": 1e-3, "reg": 0.0, "val_acc": 0.5}])
    with pytest.raises(ValueError, match="empty"):
        plot_search([])


def _square_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x**2, x


def _square_backward(dout: np.ndarray, cache: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # A tuple, like prelu_backward's (dx, dalpha): the first item is dx.
    return 2 * cache * dout, np.zeros(1)


def test_plot_activation_draws_function_and_derivative() -> None:
    x = np.linspace(-2.0, 2.0, 9)
    seen_shapes = []

    def forward(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seen_shapes.append(z.shape)
        return _square_forward(z)

    fig = plot_activation(forward, _square_backward, "square", x=x)
    (ax,) = fig.axes
    _labelled(ax)
    assert "square" in ax.get_title()
    assert _legend_labels(ax) == ["square(x)", "d square(x) / dx"]
    assert seen_shapes == [(9, 1)]
    np.testing.assert_allclose(_line(ax, "square(x)"), x**2)
    np.testing.assert_allclose(_line(ax, "d square(x) / dx"), 2 * x)


def test_plot_activation_default_range_with_relu_pair() -> None:
    def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.maximum(x, 0.0), x

    def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
        return dout * (x > 0)

    ax = plot_activation(relu_forward, relu_backward, "ReLU").axes[0]
    xs = ax.get_lines()[0].get_xdata()
    assert xs.min() == -5.0 and xs.max() == 5.0
    np.testing.assert_allclose(_line(ax, "d ReLU(x) / dx"), (xs > 0).astype(float))


def _bowl(w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return 0.5 * (w1**2 + 10.0 * w2**2)


def test_plot_trajectories() -> None:
    paths = {
        "SGD": np.array([[-4.0, 1.0], [-3.0, -0.8], [-2.0, 0.6]]),
        "Adam": np.array([[-4.0, 1.0], [-3.5, 0.5], [np.nan, np.inf], [-1.0, 0.1]]),
    }
    fig = plot_trajectories(_bowl, paths)
    ax, colorbar = fig.axes
    _labelled(ax)
    assert colorbar.get_ylabel() == "loss"
    assert _legend_labels(ax) == ["SGD", "Adam", "start", "end"]
    adam = _line(ax, "Adam")
    np.testing.assert_allclose(adam, [1.0, 0.5, 0.1])  # the non-finite row is left out
    x0, x1 = ax.get_xlim()
    assert x0 < -4.0 and x1 > -1.0


def test_plot_trajectories_given_window() -> None:
    fig = plot_trajectories(
        _bowl, {"diverged": [[0.5, 0.5], [5.0, -5.0], [50.0, 50.0]]}, xlim=(-1, 1), ylim=(-2, 2)
    )
    ax = fig.axes[0]
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-2.0, 2.0)


def test_every_helper_returns_a_figure() -> None:
    figures = [
        plot_loss([1.0]),
        plot_accuracy([0.1], [0.1]),
        plot_update_ratios({"W": [1e-3]}),
        plot_layer_histograms([np.zeros(2)]),
        plot_search([{"lr": 1e-3, "reg": 1e-3, "val_acc": 0.1}]),
        plot_activation(_square_forward, _square_backward, "sq"),
        plot_trajectories(_bowl, {"p": [[1.0, 1.0]]}),
    ]
    assert all(isinstance(fig, Figure) for fig in figures)
