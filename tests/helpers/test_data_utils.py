"""The data loaders: CIFAR-10 on a small fixture in the exact pickle format, MNIST-1D, the
synthetic colour stand-in, and the choice between them."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs231n_core import data_utils
from cs231n_core.data_utils import (
    cifar10_available,
    describe_dataset,
    get_CIFAR10_data,
    load_CIFAR10,
    load_CIFAR_batch,
    load_color_standin,
    load_dataset,
    load_mnist1d,
)
from tests.fixtures.cifar import write_batch as _write_batch
from tests.fixtures.cifar import write_cifar10

KEYS = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
N_PER_BATCH = 4  # 5 training batches -> 20 training images
N_TEST = 6


# A CIFAR-10 fixture in the python version's format (written by tests/fixtures/cifar.py).


def _write_cifar(root: Path) -> dict[str, np.ndarray]:
    """Write data_batch_1..5 and test_batch; return the raw rows and labels written."""
    return write_cifar10(root, N_PER_BATCH, N_TEST)


def _nchw(rows: np.ndarray) -> np.ndarray:
    """Channels-first images straight from the rows (planes are already channel-major)."""
    return rows.reshape(-1, 3, 32, 32).astype(np.float64)


@pytest.fixture(scope="module")
def cifar(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    root = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    return root, _write_cifar(root)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No CI / autograde flags, no real CIFAR-10 and no writes to the user's cache by default.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    empty = tmp_path / "no-cifar"
    empty.mkdir()
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(empty))
    monkeypatch.setenv("CS231N_CACHE_DIR", str(tmp_path / "cache"))


# ---------------------------------------------------------------------------------------------
# CIFAR-10
# ---------------------------------------------------------------------------------------------


def test_batch_layout_is_channel_planes_in_row_major_order(tmp_path: Path) -> None:
    rows = np.zeros((2, 3072), dtype=np.uint8)
    rows[0, :1024], rows[0, 1024:2048], rows[0, 2048:] = 10, 20, 30
    rows[0, 1] = 200  # red, row 0, column 1
    rows[0, 1024 + 32 * 5 + 7] = 201  # green, row 5, column 7
    rows[1, 2048 + 32 * 31 + 31] = 255  # blue, last pixel
    _write_batch(tmp_path / "b", rows, [3, 9])

    X, y = load_CIFAR_batch(tmp_path / "b")

    assert X.shape == (2, 32, 32, 3) and X.dtype == np.float64
    assert y.dtype == np.int64 and y.tolist() == [3, 9]
    assert X[0, 0, 0].tolist() == [10.0, 20.0, 30.0]
    assert X[0, 0, 1, 0] == 200.0
    assert X[0, 5, 7, 1] == 201.0
    assert X[1, 31, 31, 2] == 255.0
    assert X[1].sum() == 255.0
    assert X.flags.c_contiguous


def test_batch_matches_pixel_formula(tmp_path: Path) -> None:
    rows = np.random.default_rng(0).integers(0, 256, (3, 3072), dtype=np.uint8)
    _write_batch(tmp_path / "b", rows, [0, 1, 2])
    X, _ = load_CIFAR_batch(tmp_path / "b")
    n, c, i, j = np.meshgrid(range(3), range(3), range(32), range(32), indexing="ij")
    assert np.array_equal(X[n, i, j, c], rows[n, c * 1024 + i * 32 + j].astype(np.float64))


def test_batch_with_str_keys_loads(tmp_path: Path) -> None:
    rows = np.full((1, 3072), 7, dtype=np.uint8)
    with open(tmp_path / "b", "wb") as f:
        pickle.dump({"data": rows, "labels": [4]}, f)
    X, y = load_CIFAR_batch(tmp_path / "b")
    assert X.shape == (1, 32, 32, 3) and y.tolist() == [4]


@pytest.mark.parametrize(
    "batch",
    [{b"labels": [1]}, {b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}, [1, 2]],
    ids=["no-data", "wrong-width", "not-a-dict"],
)
def test_malformed_batch_raises_value_error(tmp_path: Path, batch: object) -> None:
    with open(tmp_path / "b", "wb") as f:
        pickle.dump(batch, f)
    with pytest.raises(ValueError, match=r"not a CIFAR-10 batch|expected data of shape"):
        load_CIFAR_batch(tmp_path / "b")


def test_load_cifar10_concatenates_batches_in_order(cifar: tuple[Path, dict]) -> None:
    root, raw = cifar
    Xtr, Ytr, Xte, Yte = load_CIFAR10(root)
    assert Xtr.shape == (5 * N_PER_BATCH, 32, 32, 3) and Xte.shape == (N_TEST, 32, 32, 3)
    assert Xtr.dtype == Xte.dtype == np.float64
    assert Ytr.dtype == Yte.dtype == np.int64
    expected_markers = [10 * b + k for b in range(1, 6) for k in range(N_PER_BATCH)]
    assert Xtr[:, 0, 0, 0].tolist() == expected_markers
    assert Xte[:, 0, 0, 0].tolist() == list(range(100, 100 + N_TEST))
    assert np.array_equal(Ytr, raw["train_labels"]) and np.array_equal(Yte, raw["test_labels"])
    assert np.array_equal(Xtr.transpose(0, 3, 1, 2), _nchw(raw["train_rows"]))


def test_get_cifar10_data_splits_subtracts_mean_and_goes_channels_first(
    cifar: tuple[Path, dict],
) -> None:
    root, raw = cifar
    data = get_CIFAR10_data(num_training=12, num_validation=5, num_test=4, cifar10_dir=root)
    images, labels = _nchw(raw["train_rows"]), raw["train_labels"]
    mean = images[:12].mean(axis=0)

    assert set(data) == set(KEYS)
    assert data["X_train"].shape == (12, 3, 32, 32)
    assert data["X_val"].shape == (5, 3, 32, 32)
    assert data["X_test"].shape == (4, 3, 32, 32)
    np.testing.assert_allclose(data["X_train"], images[:12] - mean, atol=1e-12)
    np.testing.assert_allclose(data["X_val"], images[12:17] - mean, atol=1e-12)
    np.testing.assert_allclose(data["X_test"], _nchw(raw["test_rows"])[:4] - mean, atol=1e-12)
    assert np.array_equal(data["y_train"], labels[:12])
    assert np.array_equal(data["y_val"], labels[12:17])
    assert np.array_equal(data["y_test"], raw["test_labels"][:4])
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0.0, atol=1e-10)
    for key in KEYS:
        assert data[key].flags.c_contiguous and data[key].flags.writeable


def test_get_cifar10_data_without_mean_subtraction(cifar: tuple[Path, dict]) -> None:
    root, raw = cifar
    data = get_CIFAR10_data(8, 2, 6, subtract_mean=False, cifar10_dir=root)
    assert np.array_equal(data["X_train"], _nchw(raw["train_rows"])[:8])
    assert np.array_equal(data["X_val"], _nchw(raw["train_rows"])[8:10])
    assert np.array_equal(data["X_test"], _nchw(raw["test_rows"]))


def test_get_cifar10_data_reads_the_environment_variable(
    cifar: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = cifar
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(root))
    assert cifar10_available()
    assert data_utils.default_cifar10_dir() == root
    assert get_CIFAR10_data(3, 1, 1)["X_train"].shape == (3, 3, 32, 32)


def test_default_dir_is_datasets_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CS231N_CIFAR10_DIR")
    expected = Path(data_utils.__file__).resolve().parents[1] / "datasets" / "cifar-10-batches-py"
    assert data_utils.default_cifar10_dir() == expected


@pytest.mark.parametrize(
    ("sizes", "match"),
    [
        ((20, 1, 1), "num_training"),
        ((1, 1, N_TEST + 1), "num_test"),
        ((-1, 1, 1), "non-negative"),
        ((2.0, 1, 1), "integer"),
    ],
)
def test_get_cifar10_data_rejects_impossible_splits(
    cifar: tuple[Path, dict], sizes: tuple[int, int, int], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        get_CIFAR10_data(*sizes, cifar10_dir=cifar[0])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n_train=st.integers(1, 5 * N_PER_BATCH),
    n_val=st.integers(0, 5 * N_PER_BATCH),
    n_test=st.integers(0, N_TEST),
)
def test_split_property(cifar: tuple[Path, dict], n_train: int, n_val: int, n_test: int) -> None:
    n_val = min(n_val, 5 * N_PER_BATCH - n_train)
    root, raw = cifar
    data = get_CIFAR10_data(n_train, n_val, n_test, cifar10_dir=root)
    images = _nchw(raw["train_rows"])
    mean = images[:n_train].mean(axis=0)
    assert [len(data[k]) for k in KEYS] == [n_train, n_train, n_val, n_val, n_test, n_test]
    np.testing.assert_allclose(data["X_val"], images[n_train : n_train + n_val] - mean, atol=1e-9)


def test_missing_cifar10_says_what_to_run(tmp_path: Path) -> None:
    assert not cifar10_available(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"bash datasets/get_datasets\.sh"):
        load_CIFAR10(tmp_path)
    with pytest.raises(FileNotFoundError, match="CS231N_CIFAR10_DIR"):
        get_CIFAR10_data()


def test_partial_cifar10_names_the_missing_file(tmp_path: Path) -> None:
    root = tmp_path / "cifar"
    _write_cifar(root)
    (root / "data_batch_3").unlink()
    assert not cifar10_available(root)
    with pytest.raises(FileNotFoundError, match="missing data_batch_3"):
        get_CIFAR10_data(2, 1, 1, cifar10_dir=root)


# ---------------------------------------------------------------------------------------------
# MNIST-1D
# ---------------------------------------------------------------------------------------------


def test_mnist1d_shapes_dtypes_and_labels() -> None:
    data = load_mnist1d()
    shapes = {k: data[k].shape for k in KEYS}
    assert shapes == {
        "X_train": (3000, 40), "y_train": (3000,), "X_val": (1000, 40), "y_val": (1000,),
        "X_test": (1000, 40), "y_test": (1000,),
    }  # fmt: skip
    for key in ("X_train", "X_val", "X_test"):
        assert data[key].dtype == np.float64 and np.isfinite(data[key]).all()
    for key in ("y_train", "y_val", "y_test"):
        assert data[key].dtype == np.int64
        assert set(np.unique(data[key]).tolist()) == set(range(10))
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0.0, atol=1e-12)


def test_mnist1d_raw_is_the_standardised_dataset() -> None:
    data = load_mnist1d(subtract_mean=False)
    pooled = np.concatenate([data["X_train"], data["X_val"], data["X_test"]])
    # make_dataset scales all 5,000 signals to mean 0 and standard deviation 1.
    assert abs(pooled.mean()) < 1e-12
    assert abs(pooled.std() - 1.0) < 1e-12


def test_mnist1d_is_deterministic_and_independent_of_global_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = load_mnist1d(subtract_mean=False, cache=False)
    np.random.seed(7)  # noqa: NPY002 - the legacy global generator is what mnist1d reseeds
    random.seed(7)
    np_before, py_before = np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002
    monkeypatch.setattr(data_utils, "_MNIST1D_MEMORY", {})
    again = load_mnist1d(subtract_mean=False, cache=False)
    assert np.array_equal(np.random.get_state()[1], np_before)  # noqa: NPY002
    assert random.getstate() == py_before
    for key in KEYS:
        assert np.array_equal(first[key], again[key])


def test_mnist1d_other_seed_gives_other_data() -> None:
    a, b = load_mnist1d(seed=42, cache=False), load_mnist1d(seed=1, cache=False)
    assert a["X_train"].shape == b["X_train"].shape
    assert not np.array_equal(a["X_train"], b["X_train"])


def test_mnist1d_results_do_not_share_memory() -> None:
    a = load_mnist1d(subtract_mean=False)
    a["X_train"][:] = 0.0
    a["y_train"][:] = -1
    b = load_mnist1d(subtract_mean=False)
    assert np.abs(b["X_train"]).sum() > 0 and (b["y_train"] >= 0).all()


def test_mnist1d_disk_cache_roundtrip_and_corruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    reference = load_mnist1d(num_training=100, num_validation=50, num_test=20)
    monkeypatch.setattr(data_utils, "_MNIST1D_MEMORY", {})
    load_mnist1d(num_training=10)
    files = list(cache.glob("mnist1d-*.npz"))
    assert len(files) == 1 and not list(cache.glob("*.tmp"))

    monkeypatch.setattr(data_utils, "_MNIST1D_MEMORY", {})
    from_disk = load_mnist1d(num_training=100, num_validation=50, num_test=20)
    for key in KEYS:
        assert np.array_equal(from_disk[key], reference[key])

    files[0].write_bytes(b"not an npz file")
    monkeypatch.setattr(data_utils, "_MNIST1D_MEMORY", {})
    rebuilt = load_mnist1d(num_training=100, num_validation=50, num_test=20)
    assert np.array_equal(rebuilt["X_train"], reference["X_train"])


def test_mnist1d_unwritable_cache_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("CS231N_CACHE_DIR", str(blocker / "sub"))
    monkeypatch.setattr(data_utils, "_MNIST1D_MEMORY", {})
    assert load_mnist1d()["X_train"].shape == (3000, 40)


def test_mnist1d_split_sizes() -> None:
    data = load_mnist1d(num_validation=500, num_test=200)
    assert len(data["X_train"]) == 3500 and len(data["X_val"]) == 500
    assert len(data["X_test"]) == 200
    raw = load_mnist1d(subtract_mean=False)
    small = load_mnist1d(num_training=100, num_validation=10, subtract_mean=False)
    assert np.array_equal(small["X_val"], raw["X_train"][100:110])
    with pytest.raises(ValueError, match="4000 training examples"):
        load_mnist1d(num_training=3500)
    with pytest.raises(ValueError, match="num_test"):
        load_mnist1d(num_test=1001)


# ---------------------------------------------------------------------------------------------
# Colour stand-in
# ---------------------------------------------------------------------------------------------


def test_color_standin_shapes_and_determinism() -> None:
    a = load_color_standin(50, 20, 10, seed=3)
    b = load_color_standin(50, 20, 10, seed=3)
    c = load_color_standin(50, 20, 10, seed=4)
    assert [a[k].shape for k in KEYS] == [
        (50, 3, 32, 32), (50,), (20, 3, 32, 32), (20,), (10, 3, 32, 32), (10,),
    ]  # fmt: skip
    for key in KEYS:
        assert np.array_equal(a[key], b[key])
        assert a[key].dtype == (np.float64 if key.startswith("X") else np.int64)
    assert not np.array_equal(a["X_train"], c["X_train"])
    np.testing.assert_allclose(a["X_train"].mean(axis=0), 0.0, atol=1e-10)


def test_color_standin_looks_like_colour_pixels_with_channel_structure() -> None:
    X = load_color_standin(400, 0, 0, subtract_mean=False)["X_train"]
    assert X.min() >= 0 and X.max() <= 255 and np.array_equal(X, np.rint(X))
    channel_means = X.mean(axis=(0, 2, 3))
    # Different channel means: a per-channel mean is not a single number.
    assert (
        np.min(np.abs(np.subtract.outer(channel_means, channel_means))[np.triu_indices(3, 1)]) > 3
    )
    # The documented scene: bluish at the top, less blue at the bottom.
    blue = X[:, 2].mean(axis=0)
    assert blue[:8].mean() > blue[-8:].mean() + 40


def test_color_standin_classes_are_learnable() -> None:
    # Nearest class mean on the training split beats chance (10%) by far on validation
    # (about 0.55-0.65 depending on the seed; the stripes' random phase averages out).
    data = load_color_standin(1000, 300, 0, seed=0)
    Xtr = data["X_train"].reshape(1000, -1)
    Xva = data["X_val"].reshape(300, -1)
    means = np.stack([Xtr[data["y_train"] == k].mean(axis=0) for k in range(10)])
    distances = ((Xva[:, None, :] - means[None]) ** 2).sum(axis=2)
    assert (distances.argmin(axis=1) == data["y_val"]).mean() > 0.4


# ---------------------------------------------------------------------------------------------
# Choosing a dataset
# ---------------------------------------------------------------------------------------------


def test_auto_without_cifar_uses_mnist1d() -> None:
    data, name = load_dataset()
    assert name == "mnist1d" and data["X_train"].shape == (3000, 40)


def test_auto_uses_cifar_when_present(cifar: tuple[Path, dict], monkeypatch) -> None:
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(cifar[0]))
    data, name = load_dataset("auto", num_training=10, num_validation=5, num_test=3, seed=1)
    assert name == "cifar10" and data["X_train"].shape == (10, 3, 32, 32)
    data, name = load_dataset("auto_color", num_training=10, num_validation=5, num_test=3)
    assert name == "cifar10"


def test_auto_with_explicit_cifar_dir(cifar: tuple[Path, dict]) -> None:
    _, name = load_dataset(
        "auto", num_training=4, num_validation=1, num_test=1, cifar10_dir=cifar[0]
    )
    assert name == "cifar10"


@pytest.mark.parametrize(("var", "value"), [("CI", "true"), ("NBGRADER_EXECUTION", "autograde")])
def test_auto_under_ci_or_autograde_uses_the_embedded_data(
    cifar: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(cifar[0]))
    monkeypatch.setenv(var, value)
    assert load_dataset("auto", num_test=3)[1] == "mnist1d"
    data, name = load_dataset("auto_color", num_training=5, num_validation=2, num_test=3)
    assert name == "color_standin" and data["X_train"].shape == (5, 3, 32, 32)


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_unset_looking_flags_do_not_count(
    cifar: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(cifar[0]))
    monkeypatch.setenv("CI", value)
    assert load_dataset("auto", num_training=4, num_validation=1, num_test=1)[1] == "cifar10"


def test_named_datasets() -> None:
    assert load_dataset("mnist1d", num_test=10)[1] == "mnist1d"
    data, name = load_dataset("color_standin", num_training=6, num_validation=2, num_test=2)
    assert name == "color_standin" and data["X_val"].shape == (2, 3, 32, 32)
    with pytest.raises(FileNotFoundError, match=r"get_datasets\.sh"):
        load_dataset("cifar10")


def test_bad_names_and_arguments() -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("imagenet")
    with pytest.raises(TypeError, match="num_trainig"):
        load_dataset("auto", num_trainig=10)
    with pytest.raises(TypeError):
        load_dataset("mnist1d", cifar10_dir="x")


def test_every_loaded_name_has_a_description() -> None:
    for name in ("cifar10", "mnist1d", "color_standin"):
        assert describe_dataset(name)
    assert "NOT real" in describe_dataset("color_standin")
    with pytest.raises(ValueError):
        describe_dataset("auto")
