"""Public self-checks: test your code on fixed inputs, from a notebook or from a shell.

From a notebook::

    from cs231n_core.check import check, check_task
    check_task("layers.affine_backward")   # one task: prints one block, raises if it fails
    check("batchnorm")                      # every task whose id contains "batchnorm"

From a shell (in the folder that holds ``cs231n_core/``)::

    python -m cs231n_core.check              # every task
    python -m cs231n_core.check layers       # the tasks of one module
    python -m cs231n_core.check -v batchnorm # with every part of every task
    python -m cs231n_core.check --list       # the task ids

Each check calls your functions on fixed inputs and compares what they return
with stored answers (``public_expected.npz``) and, for backward passes, with
centered-difference gradients of your own forward pass, as the CS231n notebooks
do. Every line shows the measured relative error next to the range it should be
in; a part compared with a stored answer that fails also shows its entry furthest
off, your value next to the expected one. Randomised functions (initialisers,
dropout) are checked statistically.

A pass here is a good sign, not a grade: the graded checks use other inputs.
The checks always read your files as they are on disk, so an edit takes effect
without restarting the kernel.

Each task's self-check checks some of the parts its graded check scores, under the
same names and in the same modes (``parts.py`` describes them for both), and
nothing the graded check ignores: batchnorm's backward passes, for instance, are
checked on train-mode caches only, since test-time gradients are not part of the
task. Two habits are checked in every task although no part depends on them: no
warnings, and no argument modified in place.

When the failures match a known mistake, a last line names it (``likely
mistake: ...``); the graded checks name mistakes with the same rows.

Layout: ``harness`` (a task's Trial, its results and their report), ``runner``
(running tasks, fresh imports, the command line), ``parts`` (the parts of every
task), ``cases/<module>.py`` (the fixed inputs of each task) and
``diagnoses/`` (the likely mistakes: ``rules`` and one table per module).

Provided whole: use it, do not edit it.
"""

from __future__ import annotations

from cs231n_core.check.harness import CheckFailed, CheckResult, PartResult
from cs231n_core.check.runner import check, check_task, main, task_ids

# The students' API; maintainers' tools import the rest from harness and runner.
__all__ = ["CheckFailed", "CheckResult", "PartResult", "check", "check_task", "main", "task_ids"]
