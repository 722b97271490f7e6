"""Alembic migrations of the archive schema (a package so it ships with the project)."""
