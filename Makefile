# Two commands for a newcomer, both idempotent, each with the install step inside:
#   make demo   install, then run the main job (a whole course on a small class)
#   make test   install (with the Debian and npm packages the tests need), then the checks and tests
# `make lint` runs the static checks alone.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint static-checks system-deps

# Reinstalls only when pyproject.toml changes.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash tools/system-deps.sh

demo: install
	$(VENV)/bin/cs231n-course demo

lint: static-checks
	$(PY) -m autograder.maintain.build_public --check

# The static checks but the public self-check's data file: its freshness check trains the
# model-quality cases (about a minute of CPU), and pytest runs the same comparison
# (tests/check/test_public_check.py::test_data_file_is_fresh), so `make test` skips it here.
static-checks: install
	$(VENV)/bin/ruff check .
	$(PY) -m mypy  # about 13 s of CPU cold, 2 s with .mypy_cache
	$(PY) -m autograder.maintain.build_stubs --check
	$(PY) -m autograder.maintain.notebooks lint

# The notebook regression's kernels run under another OpenBLAS kernel than the one that
# made the stored outputs, so every run shows that the stored outputs hold on any machine.
# On x86-64 with AVX: Sandybridge, AVX without fused multiply-add, so its sums round
# otherwise than the FMA kernels of current machines (the stored outputs were made on one
# whose OpenBLAS picks SkylakeX); without AVX: Prescott, the oldest. Notebook 06's full
# mode took 81.5 s under Sandybridge against 114.9 s under Prescott (docs/performance.md).
OTHER_CORE := $(if $(shell grep -qw avx /proc/cpuinfo 2>/dev/null && echo yes),Sandybridge,Prescott)
OTHER_BLAS := $(if $(filter x86_64,$(shell uname -m)),--notebook-blas-coretype=$(OTHER_CORE),)
# Three workers on two cores: tests that wait (a killed run, a time limit, a server's start)
# leave a core idle, which the third fills. One run each on the idle machine, the same tests:
# -n 2 13 min 57 s, -n 3 12 min 20 s, -n 4 14 min 35 s (then 97% busy; docs/performance.md).
TEST_JOBS ?= 3

test: install system-deps static-checks
	$(PY) -m pytest -q -n $(TEST_JOBS) $(OTHER_BLAS)
