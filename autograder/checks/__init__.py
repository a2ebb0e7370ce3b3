"""Hidden checks, one module per student module; ``harness`` is what they are written with."""
