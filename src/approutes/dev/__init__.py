"""Internal: `approutes dev` only (watching and reloading); `start` never imports it."""
