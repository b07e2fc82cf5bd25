"""Internal: calling the user's handlers and turning what they return into a Response."""
