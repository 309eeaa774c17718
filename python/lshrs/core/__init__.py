"""lshrs.core."""
