"""``python -m cs231n_core.check.submit``: hand in from your JupyterHub server, in one step.

Run it in the assignment folder, in a terminal of your JupyterHub server (or call
``submit_folder`` in a notebook cell). It checks and zips the folder exactly as
``handin`` does, refusing the same problems, then sends the zip to the course's
submission service with your server's JupyterHub token (``JUPYTERHUB_API_TOKEN``, which
JupyterHub puts in your server's environment) in the ``Authorization`` header, never in
the address. It prints your place in the queue and the address of the feedback page.

The service's address is ``--url`` or ``CS231N_SUBMIT_URL`` (the course's JupyterHub sets
it for every server). It needs nothing but Python.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from cs231n_core.check.handin import make_zip

URL_ENV = "CS231N_SUBMIT_URL"
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"


class SubmitError(Exception):
    """Why nothing was handed in: one line saying what to do."""


@dataclass(frozen=True)
class Receipt:
    """What the service said about the attempt it queued."""

    attempt: int
    position: int | None  # 1: graded next; None: already being graded
    page: str  # the attempt's feedback page


def submit_folder(folder: Path | str = ".", url: str | None = None,
                  token: str | None = None, timeout: float = 120.0) -> Receipt:
    """Zip ``folder`` as ``handin`` does and hand it in to the service at ``url``.

    ``url`` and ``token`` default to ``CS231N_SUBMIT_URL`` and ``JUPYTERHUB_API_TOKEN``.
    Raises ``SubmitError`` when nothing was handed in.
    """
    url = url or os.environ.get(URL_ENV, "")
    token = token or os.environ.get(TOKEN_ENV, "")
    if not url:
        raise SubmitError(f"no service address: pass --url or set {URL_ENV}")
    if not token:
        raise SubmitError(f"no {TOKEN_ENV}: run this in your JupyterHub server")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "submission.zip"
        problems = make_zip(Path(folder), out)
        if problems:
            more = f" ({len(problems)} problems in all)" if len(problems) > 1 else ""
            raise SubmitError(f"not handed in: {problems[0]}{more}")
        data = out.read_bytes()
    base = url if url.endswith("/") else url + "/"
    request = urllib.request.Request(
        urljoin(base, "submit"), data=data, method="POST",
        headers={"Authorization": f"token {token}", "Content-Type": "application/zip"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as exc:
        raise SubmitError(f"not handed in: {_refusal(exc)}") from None
    except urllib.error.URLError as exc:
        raise SubmitError(f"cannot reach the submission service at {url}: {exc.reason}") \
            from None
    return Receipt(int(answer["attempt"]), answer.get("position"),
                   urljoin(base, str(answer["page"])))


def _refusal(exc: urllib.error.HTTPError) -> str:
    """The service's one line (JSON ``error``), or its status when it sent none."""
    try:
        return str(json.loads(exc.read())["error"])
    except (ValueError, KeyError, TypeError):
        return f"the service answered {exc.code} {exc.reason}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cs231n_core.check.submit",
        description="Check this folder, zip it and hand it in to the submission service.")
    parser.add_argument("--url", help=f"the service's address (default: ${URL_ENV})")
    args = parser.parse_args(argv)
    try:
        receipt = submit_folder(Path.cwd(), args.url)
    except SubmitError as exc:
        print(exc, file=sys.stderr)
        return 1
    where = ("being graded" if receipt.position is None
             else "next in the queue" if receipt.position == 1
             else f"place {receipt.position} in the queue")
    print(f"handed in: attempt {receipt.attempt}, {where}; feedback at {receipt.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
