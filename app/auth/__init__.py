"""Accounts: login, logout, revocable sessions, profile, and user administration services."""
