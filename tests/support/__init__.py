"""Shared machinery of the verification and pattern suites (seeded replications, intervals)."""
