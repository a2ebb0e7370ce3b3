"""Running untrusted student code: the worker process, its session and the sandboxes.

``worker`` runs in the student's process and speaks a small JSON protocol;
``session`` is the trusted side of that protocol; ``sandbox`` wraps the worker
in bubblewrap; ``kernel_sandbox`` does the same for notebook kernels.
"""
