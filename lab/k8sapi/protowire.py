"""The protobuf wire format, read without a schema: fields as (number, wire type, value).

Enough for the Kubernetes protobuf bodies kubectl sends (varints and
length-delimited fields; Kubernetes uses no fixed-width or group fields in
the kinds the lab serves, but they are read and skipped correctly).
"""
from __future__ import annotations

import struct
from typing import Iterator

VARINT, FIXED64, LENGTH, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Each field of a message in order: (field number, wire type, int or bytes)."""
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == VARINT:
            value, pos = read_varint(data, pos)
            yield number, wire, value
        elif wire == LENGTH:
            size, pos = read_varint(data, pos)
            if pos + size > len(data):
                raise WireError("truncated field")
            yield number, wire, data[pos:pos + size]
            pos += size
        elif wire == FIXED64:
            if pos + 8 > len(data):
                raise WireError("truncated field")
            yield number, wire, struct.unpack_from("<Q", data, pos)[0]
            pos += 8
        elif wire == FIXED32:
            if pos + 4 > len(data):
                raise WireError("truncated field")
            yield number, wire, struct.unpack_from("<I", data, pos)[0]
            pos += 4
        else:
            raise WireError(f"unsupported wire type {wire}")


def signed(value: int, bits: int = 64) -> int:
    """A varint read as a two's complement int32/int64 (negative values use ten bytes)."""
    value &= (1 << 64) - 1
    if value >= 1 << 63:
        value -= 1 << 64
    if bits == 32:
        value = ((value + (1 << 31)) % (1 << 32)) - (1 << 31)
    return value
