"""Mailbox, helpdesk, outbox, reminders, and mail and SMS delivery."""
