"""awk subset (see below)."""
