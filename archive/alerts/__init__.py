"""Alerts: events, the outbox, channels and delivery through Apprise."""
