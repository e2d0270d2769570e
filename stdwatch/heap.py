"""Keeping Python's garbage collector from re-walking long-lived objects during batch loops."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Run a long batch loop with the objects alive before it out of the garbage collector's sight.

    Each batch allocates tens of thousands of short-lived objects, which triggers full collections that walk
    every long-lived object of the process (the analyzer's dictionaries, the caller's records) again and again:
    a third of a large sync's CPU time in bench/bench_ingest_ab.py. Freezing moves them to the permanent
    generation for the loop; reference counting still frees everything, and unfreezing afterwards hands them
    back to the collector."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
