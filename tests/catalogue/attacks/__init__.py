"""The round-2 hostile catalogue: attacks on the hardening properties, one module each.

Each module lists its ``ATTACKS`` (see ``case.Attack``); this package gathers them in
the order of ``case.PROPERTIES``. ``tests/grader/test_attacks.py`` runs every one with
its wall-clock bound and ``python -m tests.catalogue.hardening_report`` tabulates them.
"""

from __future__ import annotations

from tests.catalogue.attacks import bounds, exposure, script, staging
from tests.catalogue.attacks.case import PROPERTIES, Attack, Outcome

# In the order of PROPERTIES.
ATTACKS: list[Attack] = [
    *[a for a in bounds.ATTACKS if a.prop in ("time", "memory")],
    *exposure.ATTACKS,
    *script.ATTACKS,
    *staging.ATTACKS,
    *[a for a in bounds.ATTACKS if a.prop == "kills"],
]

__all__ = ["ATTACKS", "PROPERTIES", "Attack", "Outcome"]
