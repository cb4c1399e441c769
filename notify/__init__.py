"""Outbound channels for reminders: e-mail over SMTP and a signed webhook."""
