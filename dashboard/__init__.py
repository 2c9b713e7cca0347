"""The Streamlit dashboard: ``app.py`` is the entry point, ``pages/`` holds thin pages.

Dependencies point one way: dashboard → metrics → connectors.
"""
