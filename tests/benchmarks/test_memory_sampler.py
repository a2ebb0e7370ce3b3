"""The class benchmark's memory figures: a forked process's shared pages counted once."""

from __future__ import annotations

import os
import signal
import time

import pytest

from benchmarks.classrun import proc_table, proportional_set_size

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
