"""Fixtures for the portal tests."""
