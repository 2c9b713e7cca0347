"""Connectors: source profiles → streaming readers → map, validate, pseudonymise → store.

The store schema in :mod:`connectors.store` is the contract the metrics read.
"""
