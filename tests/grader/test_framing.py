"""The grader's side of the worker channel: deadlines over whole messages, caps before decoding.

The codec tests feed hand-made bytes to ``parse_message``/``message_size``/``decode``.
The deadline tests run the real worker on a student module that writes to the
worker's channel itself (see ``tests/catalogue/attacks/bounds.py``): half a reply,
a reply in slow pieces.
"""

from __future__ import annotations

import base64
import os
import struct
import time
from pathlib import Path

import pytest

from autograder.isolation import worker as wire
from autograder.isolation.sandbox import sandbox_available
from autograder.isolation.session import WorkerFailure, WorkerSession
from autograder.solutions import write_solution_package
from tests.catalogue.attacks.bounds import CHANNEL


def test_a_frame_round_trips() -> None:
    message = {"op": "result", "ok": True, "value": wire.encode([1.5, "é", None])}
    data = wire.frame(message)
    size = wire.message_size(data[:wire.HEADER_BYTES])
    assert size == len(data) - 8
    assert wire.parse_message(data[8:]) == message
    assert wire.decode(wire.parse_message(data[8:])["value"]) == [1.5, "é", None]


def test_a_size_above_the_cap_is_refused_from_the_header_alone() -> None:
    with pytest.raises(wire.ProtocolError, match="exceeds the limit"):
        wire.message_size(struct.pack(">Q", wire.MAX_MESSAGE_BYTES + 1))
    assert wire.message_size(struct.pack(">Q", wire.MAX_MESSAGE_BYTES)) == 8 * 2**20


@pytest.mark.parametrize("body, match", [
    (b'{"v": "\xc3\xa9"}', "not ASCII"),
    (b"[" * 60_000, "JSON values exceeds the limit of 50000"),
    (b'{"v": [' + b"0," * 50_000 + b"0]}", "exceeds the limit"),
    (b'{"v": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", "malformed message"),  # nesting
    (b'{"v": 1' + b"0" * 5_000 + b"}", "malformed message"),  # int of 5,001 digits
    (b"[1, 2]", "must be a JSON object"),
    (b'{"v": ', "malformed message"),
])
def test_bodies_are_refused_before_or_while_decoding(body: bytes, match: str) -> None:
    with pytest.raises(wire.ProtocolError, match=match):
        wire.parse_message(body)


def _nd(dtype: str, shape: list[int], raw: bytes) -> dict:
    return {"t": "nd", "dtype": dtype, "shape": shape, "data": base64.b64encode(raw).decode()}


@pytest.mark.parametrize("tree, match", [
    (_nd("|O", [2], bytes(16)), "not allowed"),
    (_nd("|V8", [1], bytes(8)), "not allowed"),  # structured and raw records
    (_nd("<U2", [1], bytes(8)), "not allowed"),
    (_nd("<f8", [2**40, 2**40], bytes(8)), "does not match"),
    (_nd("<f8", [-1], bytes(8)), "malformed array shape"),
    (_nd("|u1", [wire.MAX_ARRAY_BYTES + 1], bytes(wire.MAX_ARRAY_BYTES + 1)), "larger than"),
])
def test_arrays_of_other_dtypes_shapes_or_sizes_are_refused(tree: dict, match: str) -> None:
    with pytest.raises(wire.ProtocolError, match=match):
        wire.decode(tree)


def test_an_array_within_the_caps_decodes_exactly() -> None:
    raw = struct.pack("<3d", 1.0, -2.5, 3.25)
    out = wire.decode(_nd("<f8", [3], raw))
    assert out.tolist() == [1.0, -2.5, 3.25] and out.dtype.str == "<f8"


# ------------------------------------------------------------------ deadlines, real worker

STALL = '''
def stall():
    _send_raw(_struct.pack(">Q", 100) + b'{"op": "res')
    _time.sleep(600)


def slow_pieces():
    body = _json.dumps({"op": "result", "ok": True, "value": {"t": "atom", "v": "pieces"},
                        "args": {"t": "tuple", "items": []},
                        "kwargs": {"t": "dict", "items": []}}).encode()
    data = _struct.pack(">Q", len(body)) + body
    for i in range(0, len(data), 7):
        _send_raw(data[i:i + 7])
        _time.sleep(0.05)
    _time.sleep(600)
'''


def _session(tmp_path: Path) -> WorkerSession:
    package = write_solution_package(tmp_path / "submission")
    (package / "layers.py").write_text((package / "layers.py").read_text() + CHANNEL + STALL)
    session = WorkerSession(package, timeout=2.0, sandboxed=sandbox_available())
    session.import_module("layers", [])
    return session


def test_a_reply_that_stalls_half_way_is_a_timeout_and_the_worker_dies(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert session.proc is not None
    pid = session.proc.pid
    start = time.monotonic()
    with pytest.raises(WorkerFailure) as failure:
        session.call("stall")
    assert failure.value.kind == "timeout"
    assert time.monotonic() - start < 6
    assert session.proc is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_reply_in_slow_pieces_within_the_deadline_is_read_whole(tmp_path: Path) -> None:
    session = _session(tmp_path)
    try:
        assert session.call("slow_pieces")["value"] == "pieces"
    finally:
        session.kill()

