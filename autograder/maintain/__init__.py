"""Maintainer tools: generate the stubs and the public answers, run and lint the notebooks."""
