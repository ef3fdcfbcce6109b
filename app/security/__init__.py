"""Permissions, roles as data, and the one jurisdiction policy."""
