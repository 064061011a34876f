"""Tasks: lists, the task page with its history, and office edits with optimistic locking."""
