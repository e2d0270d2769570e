"""Search engines behind the one contract in search.base."""
