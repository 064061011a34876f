"""Home pages by role, notifications, language switch and the health check."""
