"""Dashboard pages, each registered in ``dashboard/app.py``."""
