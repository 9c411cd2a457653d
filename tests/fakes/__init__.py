"""Fake simulators that speak the same APIs as the real programs, for CI."""
