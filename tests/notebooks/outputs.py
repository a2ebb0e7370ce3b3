"""Compare a notebook's fresh outputs with its stored ones, to what holds on any machine.

Float results depend on the BLAS kernel that the CPU selects (and on the thread count), so
exact regression of a notebook's printed numbers holds only on the machine that stored them.
What is compared instead:

- text: every output's words and punctuation, exactly (runs of whitespace count as one
  space, since numpy pads columns to the width of its numbers);
- numbers: to a relative tolerance, or one unit of their last printed digit; two numbers
  both below ``TINY`` are rounding-level (``6.2e-17`` against ``0``) and count as equal;
- in cells listed as varying (results after many training steps, which amplify rounding
  differences chaotically), numbers are not compared at all, only the text around them;
- images: that a figure is there, not its bytes;
- cells tagged ``nbval-ignore-output`` (timings): not compared.

Durations, speed-up ratios and memory addresses are masked everywhere: they vary from run
to run on the same machine.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import nbformat

IGNORE_TAG = "nbval-ignore-output"
RTOL = 0.02
TINY = 1e-6
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")

# Masked before numbers are read: they change from run to run on one machine.
MASKS = [
    (re.compile(r"\b\d+(\.\d+)?\s?(ms|s|seconds|sec)\b"), "DURATION"),
    (re.compile(r"\b\d+(\.\d+)?x (faster|slower)\b"), "RATIO"),
    (re.compile(r"<matplotlib\.[\w.]+ (object )?at 0x[0-9a-fA-F]+>"), "MPL-OBJECT"),
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "ADDRESS"),
]
# A number that stands on its own: not the 1 of W1 or float32, nor part of a version string.
NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w]|\.\d)|(?<![\w.])[-+]?(?:nan|inf)\b"
)
SLOT = "#"
# Which parameter has the largest error is noise when every error is rounding-level.
WORST = [
    re.compile(r"relative error (?P<value>\S+) \(worst: (?P<param>\w+);"),
    re.compile(r"relative error \((?P<param>\w+)\): (?P<value>\S+)"),
]


@dataclass
class Text:
    """One output's text with its numbers lifted out: ``template`` holds a SLOT for each."""

    template: str
    numbers: list[str] = field(default_factory=list)


def parse(text: str) -> Text:
    for pattern, label in MASKS:
        text = pattern.sub(label, text)
    for pattern in WORST:
        text = pattern.sub(_mask_rounding_level_worst, text)
    numbers = NUMBER.findall(text)
    template = " ".join(NUMBER.sub(SLOT, text).split())
    return Text(template, numbers)


def _mask_rounding_level_worst(match: re.Match[str]) -> str:
    try:
        tiny = abs(float(match["value"])) < TINY
    except ValueError:
        return match[0]
    if not tiny:
        return match[0]
    start, end = match.span("param")
    return match[0][: start - match.start()] + "PARAM" + match[0][end - match.start():]


def _quantum(number: str) -> float:
    """One unit in the last printed digit: how far a rounding flip can move the number."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_agree(stored: str, fresh: str, rtol: float = RTOL, tiny: float = TINY) -> bool:
    a, b = float(stored), float(fresh)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    if abs(a) < tiny and abs(b) < tiny:
        return True
    slack = max(rtol * max(abs(a), abs(b)), _quantum(stored), _quantum(fresh))
    return abs(a - b) <= slack * (1 + 1e-9)


def _outputs(cell: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(kind, text) of each output; consecutive stream outputs of one name joined, since
    where a stream is split depends on when the kernel flushed it."""
    items: list[tuple[str, str]] = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            kind = f"stream {out.name}"
            if items and items[-1][0] == kind:
                items[-1] = (kind, items[-1][1] + out.text)
            else:
                items.append((kind, out.text))
        elif out.output_type in ("display_data", "execute_result"):
            data = out.get("data", {})
            image = next((t for t in IMAGE_TYPES if t in data), None)
            if image:
                items.append((image, ""))  # bytes differ with fonts and rounding
            else:
                items.append((out.output_type, str(data.get("text/plain", ""))))
        elif out.output_type == "error":
            items.append(("error", f"{out.ename}: {out.evalue}"))
    return items


def compare_cell(
    stored: nbformat.NotebookNode, fresh: nbformat.NotebookNode, numbers: bool = True
) -> list[str]:
    """Differences between a cell's stored and fresh outputs (empty when they agree)."""
    problems: list[str] = []
    old, new = _outputs(stored), _outputs(fresh)
    if [k for k, _ in old] != [k for k, _ in new]:
        return [f"outputs {[k for k, _ in old]} became {[k for k, _ in new]}"]
    for (kind, old_text), (_, new_text) in zip(old, new):
        a, b = parse(old_text), parse(new_text)
        if a.template != b.template:
            diff = difflib.unified_diff(
                old_text.splitlines(), new_text.splitlines(), "stored", "fresh", lineterm=""
            )
            problems.append(f"{kind} text differs:\n" + "\n".join(list(diff)[2:40]))
            continue
        if not numbers:
            continue
        bad = [(x, y) for x, y in zip(a.numbers, b.numbers) if not numbers_agree(x, y)]
        if bad:
            shown = ", ".join(f"{x} -> {y}" for x, y in bad[:8])
            problems.append(f"{kind}: {len(bad)} number(s) out of tolerance: {shown}")
    return problems


def compare_notebooks(
    stored: nbformat.NotebookNode,
    fresh: nbformat.NotebookNode,
    varying: Iterable[str] = (),
) -> list[str]:
    """Differences between two runs of one notebook, cell by cell.

    ``varying``: ids of cells whose numbers are not compared (only their text).
    """
    varying = set(varying)
    old = [c for c in stored.cells if c.cell_type == "code"]
    new = [c for c in fresh.cells if c.cell_type == "code"]
    ids = [c.get("id") for c in old]
    unknown = varying - set(ids)
    problems = [f"varying cell ids not in the notebook: {sorted(unknown)}"] if unknown else []
    if ids != [c.get("id") for c in new]:
        return [*problems, "the notebooks' code cells differ"]
    for a, b in zip(old, new):
        if IGNORE_TAG in a.metadata.get("tags", []):
            continue
        for problem in compare_cell(a, b, numbers=a.get("id") not in varying):
            problems.append(f"cell {a.get('id')} ({a.source.splitlines()[0][:60]!r}): {problem}")
    return problems
