"""Backups: one archive with the database and the uploaded files, and its restore."""
