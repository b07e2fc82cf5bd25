"""Internal: `approutes build` and the manifest `approutes start` reads back."""
