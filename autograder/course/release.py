"""The release check: no solution marker and no line of reference solution code reaches students."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.maintain import build_stubs
from autograder.registry import STUB_MODULES

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Fenced lines shorter than this (``return out``, ``else:``) are too common to mean a leak.
MIN_LINE = 12


def solution_lines() -> set[str]:
    """Stripped lines of reference solution code that appear nowhere outside the fences.

    Lines that the references also use as plumbing, or that the provided
    modules contain, ship to students legitimately and are not counted.
    """
    fenced: set[str] = set()
    public: set[str] = set()
    for module in STUB_MODULES:
        path = build_stubs.reference_path(module)
        if not path.exists():
            continue
        lines = path.read_text().splitlines()
        inside_any: set[int] = set()
        for block in build_stubs.find_blocks(module, path.read_text()):
            inside_any.update(range(block.begin, block.end + 1))
            fenced.update(ln.strip() for ln in lines[block.begin + 1 : block.end])
        public.update(ln.strip() for i, ln in enumerate(lines) if i not in inside_any)
    for path in build_stubs.STUB_DIR.glob("*.py"):
        if path.stem not in STUB_MODULES:
            public.update(ln.strip() for ln in path.read_text().splitlines())
    return {
        ln for ln in fenced - public if len(ln) >= MIN_LINE and not ln.startswith("#")
    }


def _texts(path: Path) -> list[str]:
    """The text a student can read in one released file (cell sources and outputs of notebooks)."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return [raw]
    try:
        nb = json.loads(raw)
    except ValueError:
        return [raw]
    texts = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        texts.append("".join(source) if isinstance(source, list) else str(source))
        for output in cell.get("outputs", []):
            texts.append(json.dumps(output))
    return texts


def check_release(release_root: Path) -> list[str]:
    """Problems found in a release folder: solution markers or reference solution lines."""
    secret = solution_lines()
    problems: list[str] = []
    for path in sorted(p for p in release_root.rglob("*") if p.is_file()):
        rel = path.relative_to(release_root)
        for text in _texts(path):
            for marker in MARKERS:
                if marker in text:
                    problems.append(f"{rel}: contains '{marker}'")
            for line in text.splitlines():
                if line.strip() in secret:
                    problems.append(f"{rel}: reference solution line {line.strip()!r}")
    return list(dict.fromkeys(problems))
