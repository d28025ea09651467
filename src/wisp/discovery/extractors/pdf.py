"""PDF documents read with PDFium (pypdfium2): one PROSE unit per page.

A PDF that needs a user password to open is encrypted data (17.02) and raises
`EncryptedContent`; one with only an owner password opens without it and is read normally.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.models import Member, Unit
from wisp.errors import EncryptedContent, ExtractError, LimitExceeded

if TYPE_CHECKING:
    import pypdfium2

__all__ = ["PdfExtractor"]

#: PDFium is not thread-safe, not even across documents; pypdfium2 leaves locking to callers.
_PDFIUM = threading.Lock()
_LINE_BREAKS = str.maketrans({"\r": "\n", "\x00": None, "\ufffe": None})


def _page_text(doc: pypdfium2.PdfDocument, index: int) -> str:
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            text: str = textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()
    return text.replace("\r\n", "\n").translate(_LINE_BREAKS)


def _pages(data: bytes, ctx: ExtractContext) -> list[str]:
    """Each page's text, read at once so that the lock is never held across a `yield`."""
    import pypdfium2
    import pypdfium2.raw

    with _PDFIUM:
        try:
            doc = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            if exc.err_code == pypdfium2.raw.FPDF_ERR_PASSWORD:
                raise EncryptedContent("password-protected PDF") from exc
            raise ExtractError("not a valid PDF") from exc
        try:
            pages: list[str] = []
            total = 0
            for index in range(len(doc)):
                pages.append(_page_text(doc, index))
                total += len(pages[-1])
                if total > ctx.max_bytes:
                    raise LimitExceeded(f"PDF text exceeds {ctx.max_bytes} bytes")
            return pages
        except pypdfium2.PdfiumError as exc:
            raise ExtractError("not a valid PDF: a page cannot be read") from exc
        finally:
            doc.close()


class PdfExtractor(Extractor):
    """PDF documents with a text layer (scanned images without one yield nothing)."""

    FORMAT = "pdf"
    EXTENSIONS = (".pdf",)
    MAGIC = (b"%PDF-",)

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        for number, text in enumerate(_pages(data, ctx), start=1):
            if text.strip():
                yield Unit(text.encode("utf-8", "replace"), where={"page": number})
