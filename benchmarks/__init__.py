"""Scale benchmark (see benchmarks/run.py and docs/benchmarks.md)."""
