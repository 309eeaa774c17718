"""lshrs.utils."""
