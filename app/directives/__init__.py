"""Directives and their tasks: meetings, conclusion notices, task breakdown, import and references."""
