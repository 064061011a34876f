"""Administration: organisations and user accounts."""
