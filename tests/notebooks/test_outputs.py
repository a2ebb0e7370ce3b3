"""The notebook output comparison (tests/notebooks/outputs.py) passes rounding and fails change."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.notebooks.outputs import compare_notebooks, numbers_agree, parse

PNG = "iVBORw0KGgo="


def notebook(
    *outputs: list[nbformat.NotebookNode], tags: tuple[str, ...] = ()
) -> nbformat.NotebookNode:
    cells = []
    for i, outs in enumerate(outputs):
        cell = new_code_cell(f"cell_{i}()", outputs=outs, id=f"c{i}")
        cell.metadata["tags"] = list(tags)
        cells.append(cell)
    return new_notebook(cells=cells)


def stdout(text: str) -> nbformat.NotebookNode:
    return new_output("stream", name="stdout", text=text)


def figure(data: str = PNG) -> nbformat.NotebookNode:
    return new_output("display_data", data={"image/png": data, "text/plain": "<Figure>"})


STORED = "loss 2.303, val acc 0.446 (W1: relative error 3.1e-09) PASS\n"


def diff(stored: str, fresh: str, varying: tuple[str, ...] = ()) -> list[str]:
    return compare_notebooks(notebook([stdout(stored)]), notebook([stdout(fresh)]), varying)


def test_identical_outputs_agree() -> None:
    assert diff(STORED, STORED) == []


@pytest.mark.parametrize(
    "fresh",
    [
        "loss 2.304, val acc 0.447 (W1: relative error 3.1e-09) PASS\n",  # last-digit flips
        "loss 2.303, val acc 0.446 (W1: relative error 0.0e+00) PASS\n",  # rounding-level
        "loss  2.303,   val acc 0.446\n(W1: relative error 7.2e-10) PASS\n",  # whitespace
    ],
)
def test_rounding_level_differences_pass(fresh: str) -> None:
    assert diff(STORED, fresh) == []


@pytest.mark.parametrize(
    "fresh",
    [
        "loss 2.303, val acc 0.446 (W1: relative error 3.1e-09) FAIL\n",  # a check fails
        "loss 2.303, test acc 0.446 (W1: relative error 3.1e-09) PASS\n",  # a changed word
        "loss 2.303, val acc 0.553 (W1: relative error 3.1e-09) PASS\n",  # a number far off
        "loss 2.303, val acc 0.446 (W1: relative error 3.1e-05) PASS\n",  # no longer tiny
        "loss 2.303, val acc 0.446 PASS\n",  # a number and words missing
        "",  # the whole output missing
    ],
)
def test_real_differences_fail(fresh: str) -> None:
    assert diff(STORED, fresh) != []


def test_varying_cells_compare_words_but_not_numbers() -> None:
    far = "loss 1.863e+05, val acc 0.093 (W1: relative error 3.1e-09) PASS\n"
    assert diff(STORED, far, varying=("c0",)) == []
    assert diff(STORED, far.replace("PASS", "FAIL"), varying=("c0",)) != []
    assert diff(STORED, STORED, varying=("no-such-cell",)) != []  # a stale table fails


def test_images_must_be_present_but_their_bytes_are_not_compared() -> None:
    stored = notebook([figure(), stdout("done\n")])
    assert compare_notebooks(stored, notebook([figure("other bytes"), stdout("done\n")])) == []
    assert compare_notebooks(stored, notebook([stdout("done\n")])) != []


def test_an_error_output_fails() -> None:
    error = new_output("error", ename="ValueError", evalue="bad", traceback=[])
    assert compare_notebooks(notebook([stdout("done\n")]), notebook([error])) != []


def test_cells_tagged_to_ignore_their_output_are_not_compared() -> None:
    tags = ("nbval-ignore-output",)
    stored = notebook([stdout("backward: 12.5 ms, closed form 3.1x faster\n")], tags=tags)
    assert compare_notebooks(stored, notebook([stdout("anything\n")], tags=tags)) == []


def test_stream_chunks_are_joined_before_comparing() -> None:
    stored = notebook([stdout("a 1.0\nb 2.0\n")])
    assert compare_notebooks(stored, notebook([stdout("a 1.0\n"), stdout("b 2.0\n")])) == []


def test_numbers_are_read_apart_from_names_and_masks() -> None:
    parsed = parse("W1 float32 took 12.5 ms at 0x7f3a2b1c9d00: 1e-7, -0.5 and nan.")
    assert parsed.numbers == ["1e-7", "-0.5", "nan"]
    assert parsed.template == "W1 float32 took DURATION at ADDRESS: #, # and #."


@pytest.mark.parametrize(
    ("stored", "fresh", "agree"),
    [
        ("0.446", "0.447", True),  # one unit in the last digit
        ("0.446", "0.470", False),
        ("1.863e+05", "1.87e+05", True),
        ("6.2e-17", "0", True),  # both rounding-level
        ("4.9e-10", "3.0e-05", False),
        ("inf", "inf", True),
        ("nan", "2.3", False),
    ],
)
def test_numbers_agree(stored: str, fresh: str, agree: bool) -> None:
    assert numbers_agree(stored, fresh) is agree
