"""Periodic reports (báo cáo định kỳ): the quarterly working-session report built from the data,
edited by the office, frozen, exported to Word/Excel, and carried over into the next conclusion."""
