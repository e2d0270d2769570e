"""Accounts API: who am I, users and API keys (admin)."""
