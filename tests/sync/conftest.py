"""Fixtures for the sync tests."""
