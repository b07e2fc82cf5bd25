"""Internal: the `approutes` command; parses flags, calls library functions, prints."""
