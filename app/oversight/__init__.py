"""Oversight: the office chief's overdue review (rà soát quá hạn), agency scorecards, dashboard charts,
search, the calendar feed and explanation requests. The rules are in :mod:`app.oversight.services`."""
