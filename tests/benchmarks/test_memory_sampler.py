"""The class benchmark's memory figures: a forked process's shared pages counted once."""

from __future__ import annotations

import os
import signal
import time

import pytest

from benchmarks.classrun import proc_table, proportional_set_size, tree_pss

MIB = 1 << 20


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs smaps_rollup")
def test_pages_a_fork_shares_count_once_in_the_proportional_sizes() -> None:
    block = bytearray(64 * MIB)
    block[:: 4096] = b"x" * len(block[:: 4096])  # every page resident, then shared by the fork
    child = os.fork()
    if child == 0:
        time.sleep(30)
        os._exit(0)
    try:
        time.sleep(0.2)
        me, table = os.getpid(), proc_table()
        rss = table[me][1] + table[child][1]
        pss = proportional_set_size(me) + proportional_set_size(child)
        # Summed resident sizes count the 64 MiB twice; the proportional sizes once.
        assert rss - pss > 56 * MIB, (rss / MIB, pss / MIB)
        assert pss >= 64 * MIB
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    del block


def test_a_process_that_is_gone_has_no_proportional_size() -> None:
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    assert proportional_set_size(child) == 0


def _child_holding(mib: int, ready: int, then_fork: int = 0) -> int:
    """A child that makes ``mib`` MiB of its own pages resident, maybe forks another such
    child, and then writes one byte to the pipe ``ready`` (each process its own byte)."""
    pid = os.fork()
    if pid == 0:
        block = bytearray(mib * MIB)
        block[:: 4096] = b"y" * len(block[:: 4096])  # written after the fork: private
        if then_fork:
            _child_holding(then_fork, ready)
        os.write(ready, b".")
        time.sleep(30)
        os._exit(0)
    return pid


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs smaps_rollup")
def test_the_largest_worker_subtree_includes_its_grandchildren() -> None:
    read_end, ready = os.pipe()
    big = _child_holding(48, ready, then_fork=32)  # a worker and the process it started: 80 MiB
    small = _child_holding(8, ready)
    grandchildren: list[int] = []
    try:
        got = b""
        while len(got) < 3:  # the worker, its child and the small worker are all resident
            got += os.read(read_end, 3)
        me, table = os.getpid(), proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        grandchildren = children.get(big, [])
        assert len(grandchildren) == 1
        total, largest = tree_pss(children, me)
        assert largest >= 80 * MIB, largest / MIB
        assert total >= largest + 8 * MIB
    finally:
        for pid in grandchildren:
            os.kill(pid, signal.SIGKILL)  # not our child: reaped by whoever adopts it
        for pid in (big, small):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(read_end)
        os.close(ready)
