"""Metrics: the KPI catalogue as data, one cube aggregated in the database, polars math.

Reads only the store schema of :mod:`connectors.store`; never imports the dashboard.
"""
