"""Same fixtures as the accounts tests: a real store, a signing key, users with keys."""

from tests.accounts.conftest import accounts, app_settings, client, make_user, services

__all__ = ["accounts", "app_settings", "client", "make_user", "services"]
