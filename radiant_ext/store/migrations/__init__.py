"""Alembic migration environment of the local store (run through ``radiant-ext db upgrade``)."""
