"""Bridges to engines that run tearcorpus beyond one machine.

- :mod:`tearcorpus.integrations.datatrove`: pipeline steps (reader, transform, writers)
  for datatrove's local, Slurm and Ray executors (``pip install 'tearcorpus[datatrove]'``).

Each integration is imported on its own, so the engine is only needed when it is used.
"""

from __future__ import annotations

__all__: list[str] = []
