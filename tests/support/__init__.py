"""Shared test support: factories and the live-event capture (used by tests and bench)."""
