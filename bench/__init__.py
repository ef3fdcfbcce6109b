"""Benchmarks of the MPR MIS: `python -m bench.run` (see bench/README.md)."""
