"""Benchmarks, run by hand; results in bench/RESULTS.md."""
