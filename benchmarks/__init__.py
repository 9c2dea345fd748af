"""Benchmark suite for tearcorpus: ``python -m benchmarks`` (see docs/performance.md).

Not part of the unit tests and not run by CI. Nothing here is imported by the package.
"""
