#!/usr/bin/env python3
"""Recompress PNG files (as slicegen writes them: stored deflate blocks) with zlib level 9, for
the pictures kept under Docs/. The pixels are unchanged: the script decodes the IDAT stream and
checks that the new file decodes to the same bytes. Standard library only.

Usage: python3 Docs/bench/recompress_png.py IN.png OUT.png [IN.png OUT.png ...]
"""
import struct
import sys
import zlib


def chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        yield kind, data[at + 8:at + 8 + length]
        at += 12 + length


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def recompress(source, target):
    data = open(source, "rb").read()
    header, idat = None, b""
    for kind, body in chunks(data):
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    again = b"".join(body for kind, body in chunks(out) if kind == b"IDAT")
    assert zlib.decompress(again) == raw
    open(target, "wb").write(out)
    print(f"{source} → {target}: {len(data):,} → {len(out):,} bytes")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or len(arguments) % 2:
        sys.exit(__doc__)
    for i in range(0, len(arguments), 2):
        recompress(arguments[i], arguments[i + 1])
