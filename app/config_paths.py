"""Filesystem locations the app and its commands share."""

from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT_DIR / "seed"
MIGRATIONS_DIR = ROOT_DIR / "migrations"  # Alembic: the core schema's revisions
