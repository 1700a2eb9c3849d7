"""Helpers shared by the test suites: real music from packages, video probes."""
