"""lshrs.storage."""
