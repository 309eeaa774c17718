"""lshrs.hash."""
