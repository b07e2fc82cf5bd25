"""Internal: the project's `public/` folder, indexed at load and served at the root."""
