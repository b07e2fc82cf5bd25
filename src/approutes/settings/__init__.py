"""Internal: approutes.toml, [tool.approutes] and APPROUTES_* become one frozen Settings."""
