"""Every attack of the round-2 catalogue gains nothing and finishes within its bound.

The bound is enforced twice: pytest-timeout stops a case that hangs (so a hang fails
one test instead of the whole run), and the measured wall-clock time is asserted
below the case's bound.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.isolation.sandbox import sandbox_available
from tests.catalogue.attacks import ATTACKS, PROPERTIES, Attack

CASES = [pytest.param(a, id=a.id, marks=pytest.mark.timeout(a.bound + 60)) for a in ATTACKS]


@pytest.mark.parametrize("attack", CASES)
def test_attack_gains_nothing(attack: Attack, tmp_path: Path) -> None:
    if attack.needs_sandbox and not sandbox_available():
        pytest.skip("needs bubblewrap")
    start = time.monotonic()
    outcome = attack.run(tmp_path)
    seconds = time.monotonic() - start
    assert not outcome.gained, f"{attack.name}: {outcome.detail}"
    assert outcome.as_expected, f"{attack.name}: {outcome.detail}"
    assert seconds < attack.bound, f"{attack.name}: took {seconds:.1f} s (bound {attack.bound} s)"



def test_catalogue_covers_every_property() -> None:
    covered = {a.prop for a in ATTACKS}
    assert covered == set(PROPERTIES), f"no attack on: {sorted(set(PROPERTIES) - covered)}"
    assert len({a.id for a in ATTACKS}) == len(ATTACKS), "attack ids must be unique"
    assert len(ATTACKS) >= 15
