"""png.py - reads the screenshots of the browser tests (it_report_chromium,
it_web_chromium): decodes an 8-bit RGB or RGBA PNG (zlib and the five row
filters) with the standard library, no imaging package."""

import struct
import zlib


def png_decode(path):
    """(width, height, bytes per pixel, rows): each row a bytearray of
    width * bpp bytes, R G B [A] per pixel."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = {2: 3, 6: 4}[ctype]
    assert depth == 8
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def png_count(path, rgb, tolerance=4):
    """Pixels within `tolerance` of the colour rgb."""
    w, h, bpp, rows = png_decode(path)
    n = 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            if all(abs(line[x + k] - rgb[k]) <= tolerance for k in range(3)):
                n += 1
    return n


def png_stats(path):
    """(width, height, sampled pixels that are not near-white, distinct
    colours among a sample): tells a blank screenshot from a page."""
    w, h, bpp, rows = png_decode(path)
    ink, colours = 0, set()
    for y, line in enumerate(rows):
        for x in range(0, w * bpp, bpp * 3):
            px = tuple(line[x:x + 3])
            if min(px) < 235:
                ink += 1
            if y % 3 == 0:
                colours.add(px)
    return w, h, ink, len(colours)
