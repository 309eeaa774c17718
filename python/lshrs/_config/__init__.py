"""lshrs._config."""
