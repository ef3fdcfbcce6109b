"""Schema and permission sync (`flask mpr sync`)."""
