"""Internal: the user's project on disk and importing its files."""
