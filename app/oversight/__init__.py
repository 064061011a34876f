"""Oversight: the office chief's overdue review (rà soát quá hạn), agency scorecards, dashboard charts,
search, the calendar feed and explanation requests. Each concern's rules are in its own module here."""
