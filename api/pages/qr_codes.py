"""The 智慧电梯码: each elevator's QR code, which opens the elevator's public page."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno

# Quartile error correction: a sticker in a car gets scuffed and dirty and must still scan.
_ERROR_LEVEL = "q"
# Pixels per module of the PNG and the SVG file: a phone scans it from a screen, a printer prints it sharp.
_FILE_SCALE = 10
# The quiet zone scanners need around the code, in modules (the standard's four).
_BORDER = 4


def elevator_page_url(public_base_url: str, elevator_code: str) -> str:
    """The absolute address the elevator's QR code encodes."""
    return f"{public_base_url.rstrip('/')}/e/{quote(elevator_code, safe='')}"


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error=_ERROR_LEVEL, micro=False)


def png(url: str) -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=_FILE_SCALE, border=_BORDER)
    return out.getvalue()


def svg(url: str, title: str) -> bytes:
    """A standalone SVG document (for print shops and signage), titled for screen readers."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=_FILE_SCALE, border=_BORDER, title=title, encoding="utf-8")
    return out.getvalue()


def inline_svg(url: str, title: str) -> str:
    """An <svg> element for an HTML page; it has a viewBox and no size, so CSS sizes it for print."""
    markup: str = _code(url).svg_inline(border=_BORDER, omitsize=True, svgclass="qr", title=title)
    return markup
