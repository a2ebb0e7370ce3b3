"""Likely mistakes of the ``optim`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/optim.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import optim as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    all_of,
    any_of,
    failed,
    passed,
    said,
)

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
    "optim.adam": (
        *public.TABLE["optim.adam"][0:5],
        D(any_of(said("state", "no 't'"), all_of(failed("defaults"), passed("inputs_unchanged"),
                                                  said("defaults", "step 2"))),
          "t is not kept in the returned config, so every step corrects as the first one"),
    ),
}
