"""HTML to PDF with headless Chromium: the printed report is the same document as the HTML one."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path


class PdfFailed(RuntimeError):
    """Chromium did not print the document."""


async def html_to_pdf(html: str, chromium: str, timeout_seconds: float = 120.0) -> bytes:
    """The HTML printed to A4 PDF, fonts embedded; raises PdfFailed (or TimeoutError) when it cannot be."""
    with tempfile.TemporaryDirectory(prefix="elevator-orders-pdf-") as work:
        source = Path(work) / "report.html"
        target = Path(work) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        try:
            process = await asyncio.create_subprocess_exec(
                chromium,
                "--headless",
                # Our own document with no remote content; the worker may run as a user without namespaces.
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={work}/profile",
                f"--print-to-pdf={target}",
                source.as_uri(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:
            raise PdfFailed(f"cannot run {chromium}: {error}") from error
        try:
            _, errors = await asyncio.wait_for(process.communicate(), timeout_seconds)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        if process.returncode != 0 or not target.exists():
            raise PdfFailed(
                f"{chromium} exited {process.returncode}: {errors.decode(errors='replace')[-500:]}"
            )
        return target.read_bytes()
