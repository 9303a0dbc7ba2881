"""Join codes: short, read aloud or typed from a projector without confusion."""
from __future__ import annotations

import secrets

#: no 0/O, 1/I/L: easy to read from a screen
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_code() -> str:
    """A random join code such as `K7QX-M2PA` without the dash (8 characters, about 40 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text: str) -> str:
    """What a learner typed, as stored: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")
