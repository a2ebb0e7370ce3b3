"""One module per ``cs231n-course`` verb: ``HELP``, ``DESCRIPTION``, ``configure`` and ``run``."""
