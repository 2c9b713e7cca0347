"""Benchmarks (``make bench``): not collected by ``make test`` (no ``test_*.py`` here)."""
