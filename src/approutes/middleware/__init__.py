"""Internal: the project's `middleware.py`: loaded and checked, run, its outcome typed."""
