"""One module per ``cs231n-course`` verb: a docstring (help, description), configure, run."""
