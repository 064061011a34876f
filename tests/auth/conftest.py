"""A real SMTP server for the account-link mails (the reminders' aiosmtpd fixture)."""

from tests.reminders.conftest import smtp  # noqa: F401
