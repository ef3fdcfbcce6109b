"""Synthetic data for benchmarks and the demo (not business rules)."""
