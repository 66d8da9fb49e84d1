"""Shared test settings: hypothesis runs the same examples every time and writes nothing to disk."""

from hypothesis import settings

settings.register_profile("nnscratch", derandomize=True, database=None, deadline=None, max_examples=30)
settings.load_profile("nnscratch")
