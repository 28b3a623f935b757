"""The bytes of a notification on the wire: a multipart/alternative message, written directly.

Every mail pays for its MIME message twice in the email package, once to build the object tree and
once to flatten it (header folding, charset lookups, boundary search): two thirds of the worker's
mail-delivery CPU in a `make bench` profile. The shape we send never varies (a few headers, one
plain and one HTML part, both UTF-8 in base64), so it is written here in one pass: RFC 2045-2047
encodings, lines within 78 characters, CRLF line ends.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

_CRLF = "\r\n"
# A base64 encoded-word carries up to this many UTF-8 bytes: "=?utf-8?b?" + 52 + "?=" is 64
# characters, so the first line ("Subject: " + word) stays within RFC 5322's 78.
_WORD_BYTES = 39
# What a mailbox may take of its line, leaving room for "From: " / "To: " within 78.
_MAILBOX_LINE = 70


class HeaderInjection(ValueError):
    """A header value with a line break: it would end the header and start another."""


def header_value(value: str) -> str:
    """`value` as it goes on the wire: as it is when ASCII, else as folded RFC 2047 encoded-words."""
    if "\r" in value or "\n" in value:
        raise HeaderInjection(f"a header value may not contain line breaks: {value!r}")
    if value.isascii():
        return value
    return (_CRLF + " ").join(_encoded_word(chunk) for chunk in _chunks(value))


def mailbox(display_name: str, address: str) -> str:
    """`Name <address>` with the name encoded when it is not ASCII (a Chinese sender name)."""
    if not address.isascii() or "\r" in address or "\n" in address:
        raise HeaderInjection(f"not a plain mail address: {address!r}")
    if not display_name:
        return address
    if display_name.isascii():
        quoted = display_name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    name = header_value(display_name)
    # Room for the header's name in front: a long pair goes onto a folded line of its own.
    last_line = name.rsplit(_CRLF, 1)[-1]
    separator = " " if len(last_line) + len(address) + 3 <= _MAILBOX_LINE else _CRLF + " "
    return f"{name}{separator}<{address}>"


def _top_headers(headers: Sequence[tuple[str, str]], content_type: str) -> list[str]:
    """The message's header lines, checked wire-ready, then its MIME version and type and the blank line."""
    for name, value in headers:
        _check_wire_ready(name, value)
    return [
        *(f"{name}: {value}" for name, value in headers),
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        "",
    ]


def multipart_alternative(headers: Sequence[tuple[str, str]], *, text: str, html: str) -> bytes:
    """A complete message: `headers` (values already wire-ready), then the plain and the HTML body.

    The boundary derives from the content; base64 never contains "_", so it cannot occur in a part.
    """
    plain_body = _base64_lines(text)
    html_body = _base64_lines(html)
    digest = hashlib.sha256(plain_body.encode() + html_body.encode()).hexdigest()[:24]
    boundary = f"=_{digest}"
    lines = [
        *_top_headers(headers, f'multipart/alternative; boundary="{boundary}"'),
        f"--{boundary}",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        plain_body,
        f"--{boundary}",
        'Content-Type: text/html; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        html_body,
        f"--{boundary}--",
        "",
    ]
    return _CRLF.join(lines).encode("ascii")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail (a monthly report's PDF)."""

    filename: str
    content_type: str
    data: bytes


def multipart_mixed(
    headers: Sequence[tuple[str, str]], *, text: str, html: str, attachments: Sequence[Attachment]
) -> bytes:
    """A message with the plain and HTML bodies first, then each attachment, base64-encoded."""
    alternative = multipart_alternative([], text=text, html=html).decode("ascii")
    # The nested part's own headers (its content type), then its body, as they follow `MIME-Version`.
    nested = alternative.split(_CRLF, 1)[1]
    parts = [
        base64.encodebytes(item.data).decode("ascii").rstrip("\n").replace("\n", _CRLF)
        for item in attachments
    ]
    digest = hashlib.sha256(nested.encode() + "".join(parts).encode()).hexdigest()[:24]
    boundary = f"=_m{digest}"
    lines = [
        *_top_headers(headers, f'multipart/mixed; boundary="{boundary}"'),
        f"--{boundary}",
        nested,
    ]
    for item, body in zip(attachments, parts, strict=True):
        # RFC 2231: the file's name in UTF-8, percent-encoded, so a Chinese name survives any relay.
        name = quote(item.filename, safe="")
        lines += [
            f"--{boundary}",
            f"Content-Type: {item.content_type}",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: attachment; filename*=UTF-8''{name}",
            "",
            body,
        ]
    lines += [f"--{boundary}--", ""]
    return _CRLF.join(lines).encode("ascii")


def _check_wire_ready(name: str, value: str) -> None:
    # Folding (CRLF then a space) is the only line break a wire-ready value may hold.
    unfolded = name + value.replace(_CRLF + " ", "")
    if not unfolded.isascii() or ":" in name or "\r" in unfolded or "\n" in unfolded:
        raise HeaderInjection(f"header {name!r} is not wire-ready: {value!r}")


def _base64_lines(body: str) -> str:
    # encodebytes writes 76-character lines (RFC 2045's limit), each ending "\n"; the last is dropped.
    return base64.encodebytes(body.encode("utf-8")).decode("ascii").rstrip("\n").replace("\n", _CRLF)


def _encoded_word(chunk: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?="


def _chunks(value: str) -> list[bytes]:
    """UTF-8 pieces of at most `_WORD_BYTES` bytes, never splitting a character (RFC 2047 section 5)."""
    chunks: list[bytes] = []
    current = bytearray()
    for character in value:
        encoded = character.encode("utf-8")
        if len(current) + len(encoded) > _WORD_BYTES:
            chunks.append(bytes(current))
            current.clear()
        current += encoded
    if current:
        chunks.append(bytes(current))
    return chunks
