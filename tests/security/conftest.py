"""Security test fixtures: the reminders' real SMTP server, to prove what the reminder run mails."""

from tests.reminders.conftest import smtp  # noqa: F401 (a fixture, used by name)
