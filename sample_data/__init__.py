"""Deterministic sample data: the fictional city "Musterstadt" and its case export.

``generate(out_dir)`` writes ``leistungen.csv``, ``standorte.csv`` and ``vorgaenge.csv`` in the
formats real German Fachverfahren export, with a known truth behind them (seasons, online
take-up, a pilot with a known lift) so the dashboard can be demonstrated and tested.

The committed small example in ``sample_data/examples/`` is refreshed with::

    .venv/bin/python -c "from pathlib import Path; from sample_data import generate; \\
        generate(Path('sample_data/examples'), cases=2000)"

``tests/test_sample_data.py`` fails when it drifts from what the generator writes.
"""

from __future__ import annotations

from sample_data.generate import SampleExport, generate

__all__ = ["SampleExport", "generate"]
