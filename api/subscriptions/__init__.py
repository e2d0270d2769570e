"""Subscriptions: saved searches, industry profiles and watch lists, their recipients and signed links."""
