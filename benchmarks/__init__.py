"""Benchmarks of the hot paths; run each file as a script from the repository root."""
