"""Plots of what the lecture says to watch while training a network.

Provided whole: students use these helpers, they do not edit them. Each
function draws one figure with a title, labelled axes and a legend, and
returns the matplotlib Figure (save it with ``fig.savefig(...)``). In a
notebook, end the call with ``;`` or assign the result, otherwise Jupyter
shows the figure twice. Nothing here calls ``plt.show()``, so the helpers also
work with the non-interactive Agg backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

ArrayLike = Any  # a list of numbers or a numpy array


def _finite_or_nan(values: ArrayLike) -> np.ndarray:
    """float64 copy with inf replaced by NaN, so a diverged run leaves a gap instead of an error."""
    v = np.array(values, dtype=np.float64).ravel()
    v[~np.isfinite(v)] = np.nan
    return v


def plot_loss(loss_history: ArrayLike, window: int = 25, title: str = "Training loss") -> Figure:
    """The loss per iteration, with its moving average over `window` iterations.

    Inputs:
    - loss_history: the loss of each iteration (e.g. Solver.loss_history)
    - window: length of the moving average; 1 or a history shorter than it draws none
    - title: the figure's title

    Returns:
    - fig: the Figure
    """
    loss = _finite_or_nan(loss_history)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    steps = np.arange(loss.size)
    ax.plot(steps, loss, color="tab:blue", alpha=0.35, linewidth=1, label="loss per iteration")
    if 1 < window <= loss.size:
        # 'valid' windows only; a NaN spoils the windows that contain it and no others.
        smooth = np.convolve(loss, np.full(window, 1.0 / window), mode="valid")
        ax.plot(
            steps[window - 1 :],
            smooth,
            color="tab:blue",
            linewidth=2,
            label=f"moving average ({window} iterations)",
        )
    ax.set_title(title)
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss")
    ax.legend()
    return fig


def plot_accuracy(
    train_acc_history: ArrayLike,
    val_acc_history: ArrayLike,
    target: float | None = None,
    title: str = "Classification accuracy",
) -> Figure:
    """Training and validation accuracy per epoch; the gap between them shows overfitting.

    Inputs:
    - train_acc_history, val_acc_history: accuracy after each epoch (e.g. from a Solver)
    - target: an accuracy to beat, drawn as a dashed line (None: no line)
    - title: the figure's title

    Returns:
    - fig: the Figure
    """
    train = _finite_or_nan(train_acc_history)
    val = _finite_or_nan(val_acc_history)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.plot(np.arange(train.size), train, "o-", label="train")
    ax.plot(np.arange(val.size), val, "s-", label="validation")
    if target is not None:
        ax.axhline(target, color="gray", linestyle="--", label=f"target {target:g}")
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.legend()
    return fig


def plot_update_ratios(
    update_ratio_history: Mapping[str, ArrayLike],
    title: str = "Update / weight ratio per parameter",
) -> Figure:
    """The ratio ||update|| / ||weight|| of each parameter over training, on a log axis.

    The lecture's rule of thumb is a ratio near 1e-3: far below, the learning
    rate is probably too low; far above, too high. Zero or non-finite ratios
    (e.g. a bias that starts at zero) are left out.

    Inputs:
    - update_ratio_history: parameter name -> the ratio at each recorded iteration
    - title: the figure's title

    Returns:
    - fig: the Figure
    """
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for name, history in update_ratio_history.items():
        ratio = _finite_or_nan(history)
        ratio[~(ratio > 0)] = np.nan  # a log axis has no place for 0
        ax.plot(np.arange(ratio.size), ratio, linewidth=1.2, label=name)
    ax.axhline(1e-3, color="black", linestyle="--", linewidth=1.5, label="1e-3 (rule of thumb)")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("iteration")
    ax.set_ylabel("update norm / weight norm")
    ax.legend(fontsize="small", ncols=2)
    return fig


def plot_layer_histograms(
    values: Sequence[ArrayLike],
    title: str | None = None,
    kind: str = "activations",
    labels: Sequence[str] | None = None,
    bins: int = 50,
) -> Figure:
    """One histogram per layer, as in the lecture's initialisation experiment.

    Each panel's legend gives that layer's mean and standard deviation, so a
    collapse to zero or a saturation at +-1 is visible at a glance.

    Inputs:
    - values: one array per layer (any shape; all entries are counted)
    - title: the figure's title (None: "Per-layer <kind>")
    - kind: 'activations' or 'gradients', for the axis labels
    - labels: a name per layer (None: "layer 1", "layer 2", ...)
    - bins: histogram bins per panel

    Returns:
    - fig: the Figure
    """
    if kind not in ("activations", "gradients"):
        raise ValueError(f"kind must be 'activations' or 'gradients', got {kind!r}")
    if len(values) == 0:
        raise ValueError("values is empty: pass one array per layer")
    names = list(labels) if labels is not None else [f"layer {i + 1}" for i in range(len(values))]
    if len(names) != len(values):
        raise ValueError(f"{len(names)} labels for {len(values)} layers")

    cols = min(5, len(values))
    rows = -(-len(values) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(2.8 * cols, 2.4 * rows + 0.6), layout="constrained", squeeze=False
    )
    what = "activation" if kind == "activations" else "gradient"
    for ax, name, layer in zip(axes.flat, names, values):
        v = np.asarray(layer, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        if v.size:
            label = f"mean {v.mean():.2g}\nstd {v.std():.2g}"
        else:
            label = "no finite values"
        # One filled outline per panel looks like the bars and draws far faster than one
        # patch per bin (the notebooks draw dozens of these panels).
        ax.hist(v, bins=bins, histtype="stepfilled",
                color="tab:blue" if kind == "activations" else "tab:orange", label=label)
        ax.set_title(name)
        ax.set_xlabel(f"{what} value")
        ax.set_ylabel("count")
        ax.legend(fontsize="x-small", handlelength=0, handletextpad=0)
    for ax in axes.flat[len(values) :]:
        ax.set_visible(False)
    fig.suptitle(title if title is not None else f"Per-layer {kind}")
    return fig


def plot_search(
    results: Sequence[Mapping[str, float]],
    title: str = "Hyperparameter search: validation accuracy",
) -> Figure:
    """Validation accuracy of each trial of a search, over log10 learning rate and log10 reg.

    A star marks the best trial. If it sits at the edge of the cloud of
    trials, the search range probably cut off better values.

    Inputs:
    - results: one dict per trial with keys 'lr', 'reg' (both > 0) and 'val_acc'
    - title: the figure's title

    Returns:
    - fig: the Figure
    """
    if len(results) == 0:
        raise ValueError("results is empty: pass one dict per trial")
    lr = np.array([r["lr"] for r in results], dtype=np.float64)
    reg = np.array([r["reg"] for r in results], dtype=np.float64)
    acc = np.array([r["val_acc"] for r in results], dtype=np.float64)
    if not (np.all(lr > 0) and np.all(reg > 0)):
        raise ValueError("every 'lr' and 'reg' must be positive to be shown on a log scale")

    fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
    points = ax.scatter(
        np.log10(lr),
        np.log10(reg),
        c=acc,
        cmap="viridis",
        s=60,
        edgecolors="black",
        linewidths=0.5,
        label="trial",
    )
    fig.colorbar(points, ax=ax, label="validation accuracy")
    best = int(np.nanargmax(acc)) if np.isfinite(acc).any() else 0
    ax.scatter(
        np.log10(lr[best]),
        np.log10(reg[best]),
        marker="*",
        s=300,
        color="red",
        edgecolors="black",
        label=f"best: lr={lr[best]:.2e}, reg={reg[best]:.2e}, acc={acc[best]:.3f}",
    )
    ax.set_title(title)
    ax.set_xlabel("log10 learning rate")
    ax.set_ylabel("log10 regularisation strength")
    # Below the axes: inside them it would hide trials, which is where the answer lies.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize="small")
    return fig


def plot_activation(
    fn_forward: Callable[[np.ndarray], Any],
    fn_backward: Callable[[np.ndarray, Any], Any],
    name: str,
    x: ArrayLike | None = None,
) -> Figure:
    """An activation function and its derivative, through its forward/backward pair.

    The inputs are passed as a column of shape (N, 1), so elementwise layers,
    PReLU with alpha of shape (1,) and Maxout with D = 1 all work. The
    derivative is the backward pass with an upstream gradient of ones.

    Inputs:
    - fn_forward: x -> (out, cache), e.g. relu_forward or lambda x: elu_forward(x, 1.0)
    - fn_backward: (dout, cache) -> dx, or a tuple whose first item is dx
    - name: the activation's name, for the title
    - x: the points to evaluate (None: 1001 points from -5 to 5)

    Returns:
    - fig: the Figure
    """
    xs = np.linspace(-5.0, 5.0, 1001) if x is None else np.asarray(x, dtype=np.float64).ravel()
    out, cache = fn_forward(xs[:, None].copy())
    dx = fn_backward(np.ones_like(out), cache)
    if isinstance(dx, tuple):
        dx = dx[0]
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(xs, np.asarray(out, dtype=np.float64).ravel(), linewidth=2, label=f"{name}(x)")
    ax.plot(
        xs,
        np.asarray(dx, dtype=np.float64).ravel(),
        linewidth=2,
        linestyle="--",
        label=f"d {name}(x) / dx",
    )
    ax.axhline(0.0, color="gray", linewidth=0.5)
    ax.axvline(0.0, color="gray", linewidth=0.5)
    ax.set_title(f"{name} and its derivative")
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    ax.legend()
    return fig


def plot_trajectories(
    loss_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, ArrayLike],
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int | Sequence[float] = 30,
    title: str = "Optimiser trajectories on the loss surface",
) -> Figure:
    """Contours of a 2-D loss surface with each optimiser's path over it.

    Inputs:
    - loss_fn: (W1, W2) -> loss, evaluated elementwise on grids of the same shape
    - paths: optimiser name -> array of shape (T, 2), the parameters after each step
      (row 0 is the start); non-finite rows of a diverged run are left out
    - xlim, ylim: the window (None: the paths' extent with a margin)
    - levels: the number of contour levels, or the levels themselves
    - title: the figure's title

    Returns:
    - fig: the Figure
    """
    tracks = {}
    for name, path in paths.items():
        p = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        tracks[name] = p[np.isfinite(p).all(axis=1)]
    points = np.concatenate([p for p in tracks.values()] + [np.zeros((0, 2))])

    def window(axis: int, given: tuple[float, float] | None) -> tuple[float, float]:
        if given is not None:
            return float(given[0]), float(given[1])
        if points.shape[0] == 0:
            return -1.0, 1.0
        lo, hi = float(points[:, axis].min()), float(points[:, axis].max())
        margin = 0.15 * (hi - lo) if hi > lo else 1.0
        return lo - margin, hi + margin

    (x0, x1), (y0, y1) = window(0, xlim), window(1, ylim)
    W1, W2 = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    Z = np.asarray(loss_fn(W1, W2), dtype=np.float64)

    fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")
    contours = ax.contour(W1, W2, Z, levels=levels, cmap="viridis", linewidths=0.8)
    fig.colorbar(contours, ax=ax, label="loss")
    for name, p in tracks.items():
        (line,) = ax.plot(p[:, 0], p[:, 1], "o-", markersize=2.5, linewidth=1.5, label=name)
        if len(p):
            ax.plot(p[-1, 0], p[-1, 1], "X", color=line.get_color(), markersize=9)
    starts = [p[0] for p in tracks.values() if len(p)]
    if starts:
        ax.plot(*np.transpose(starts), "k^", markersize=9, label="start")
        ax.plot([], [], "kX", markersize=9, label="end")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(title)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.legend(fontsize="small")
    return fig


__all__ = [
    "plot_accuracy",
    "plot_activation",
    "plot_layer_histograms",
    "plot_loss",
    "plot_search",
    "plot_trajectories",
    "plot_update_ratios",
]
