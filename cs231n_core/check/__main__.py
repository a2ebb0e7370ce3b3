"""``python -m cs231n_core.check``: run the self-checks from a shell."""

import sys

from cs231n_core.check.runner import main

sys.exit(main())
