"""Fixtures for the plugins tests."""
