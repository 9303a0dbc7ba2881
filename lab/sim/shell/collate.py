"""Sort order of names and lines as a en_US.UTF-8 host shows them.

GNU ls, sort and bash globbing sort by the locale's collation: punctuation
is ignored at first, letters compare case-insensitively, and lower case
comes before upper case on a tie.
SIMPLIFICATION: an approximation of glibc's ISO 14651 tables that is right
for the file names and kubectl output lessons produce.
"""
from __future__ import annotations


def collate_key(s: str) -> tuple:
    alnum = [c for c in s if c.isalnum()]
    primary = "".join(c.lower() for c in alnum)
    case = tuple(0 if c.islower() or not c.isalpha() else 1 for c in alnum)
    return (primary, case, s)
