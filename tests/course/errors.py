"""The error a `cs231n-course` command reports: one line among its progress lines."""

from __future__ import annotations

import pytest


def one_error_line(capsys: pytest.CaptureFixture[str], progress: str) -> str:
    """The only captured stderr line that is not progress (``[<progress>] ...``), an error."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if not line.startswith(f"[{progress}]")]
    assert len(errors) == 1 and errors[0].startswith("cs231n-course: error:"), err
    return errors[0]
