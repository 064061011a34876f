"""Nhắc việc: reminder policy, working-day calendar, the idempotent tick, the scheduler process,
and the admin and office-chief pages."""
