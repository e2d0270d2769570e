"""Monitoring: subscriptions matched against new and changed documents, the alert outbox, digests and email."""
