"""lshrs.io."""
