"""The Streamlit dashboard: ``app.py`` is the entry point, ``views/`` holds the thin pages
(not ``pages/``: Streamlit would wrap the app in a navigation of its own, see app.py).

Dependencies point one way: dashboard → metrics → connectors.
"""
