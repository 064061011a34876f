"""Agencies report progress: inbox, progress reports with evidence and indicator figures, completion
review, extension requests. The business rules are in the modules named after them (reports, review, …)."""
