"""A small PNG reader for the browser tests: header, and the pixels of 8-bit RGB(A) images.

Enough to tell a real screenshot from a blank one without an imaging library.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from itertools import accumulate

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel at bit depth 8


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    bit_depth: int
    colour_type: int
    rows: tuple[bytes, ...]  # unfiltered scanlines (the first ones only, when asked)

    @property
    def channels(self) -> int:
        return _CHANNELS[self.colour_type]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        start = x * self.channels
        return tuple(self.rows[y][start : start + self.channels])

    def colours(self, step: int = 7) -> set[tuple[int, ...]]:
        """The distinct colours of every ``step``-th pixel of every ``step``-th row."""
        xs = range(0, self.width, step)
        return {self.pixel(x, y) for y in range(0, len(self.rows), step) for x in xs}


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    chunks = []
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r} chunk")
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def _unfilter(kind: int, raw: bytes, prev: bytes, bpp: int) -> bytes:
    mask = (255).__and__
    if kind == 0:
        return raw
    if kind == 1:  # Sub: a running sum per channel
        out = bytearray(len(raw))
        for channel in range(bpp):
            out[channel::bpp] = bytes(map(mask, accumulate(raw[channel::bpp])))
        return bytes(out)
    if kind == 2:  # Up
        return bytes(map(mask, map(int.__add__, raw, prev)))
    out = bytearray(raw)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 3:  # Average
            out[i] = (out[i] + ((left + up) >> 1)) & 255
            continue
        upper_left = prev[i - bpp] if i >= bpp else 0  # Paeth
        p = left + up - upper_left
        pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
        pred = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
        out[i] = (out[i] + pred) & 255
    return bytes(out)


def read_png(data: bytes, max_rows: int | None = None) -> Png:
    """Decode a non-interlaced 8-bit RGB or RGBA PNG: its first ``max_rows`` rows, or all.

    Each row is unfiltered from the one above, so the top of an image decodes exactly
    without the rest (pure Python is slow: a full 1280x2000 page takes seconds).
    """
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != b"IHDR":
        raise ValueError("PNG does not start with IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
    bpp = _CHANNELS[colour]
    stream = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + width * bpp
    if len(stream) != stride * height:
        raise ValueError("PNG image data has the wrong size")
    rows: list[bytes] = []
    prev = bytes(width * bpp)
    for y in range(height if max_rows is None else min(height, max_rows)):
        line = stream[y * stride : (y + 1) * stride]
        prev = _unfilter(line[0], line[1:], prev, bpp)
        rows.append(prev)
    return Png(width, height, depth, colour, tuple(rows))
