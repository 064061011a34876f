"""Shared building blocks (no routes): database base, clock, errors, permissions, audit, formatting."""
