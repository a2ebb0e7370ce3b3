"""The nbgrader course pipeline: one module per step of an instructor's term.

``layout`` (paths of a course directory), ``setup`` (init and release),
``config`` and ``nbgrader_plugin`` (the trusted grader inside nbgrader),
``submissions`` (hand-in, inspection, staging), ``autograde_one`` (one
submission), ``autograde`` (a class, in parallel), ``gradebook``, ``feedback``,
``report``, ``collect``, ``demo`` and ``cli`` (the ``cs231n-course`` command).
"""
