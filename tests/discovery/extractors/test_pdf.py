"""PDF extraction with PDFium, on PDFs written by fpdf2 in each test."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from wisp.discovery.extractors.base import ExtractContext
from wisp.discovery.extractors.pdf import PdfExtractor
from wisp.discovery.models import Layout, Unit
from wisp.errors import EncryptedContent, ExtractError, LimitExceeded

SSN = "123-45-6788"
CTX = ExtractContext(name="test")


def _pdf(
    pages: list[list[str]],
    owner: str | None = None,
    user: str | None = None,
    method: EncryptionMethod = EncryptionMethod.RC4,
) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    if owner is not None:
        pdf.set_encryption(owner_password=owner, user_password=user, encryption_method=method)
    return bytes(pdf.output())


RECORD = ["Employee record", f"John Smith SSN {SSN}", "Visa 4556 7375 8689 9855"]


def _units(data: bytes, ctx: ExtractContext = CTX) -> list[Unit]:
    units = list(PdfExtractor().extract(data, ctx))
    assert all(isinstance(u, Unit) for u in units)
    return [u for u in units if isinstance(u, Unit)]


def test_each_page_is_a_prose_unit_with_its_page_number() -> None:
    units = _units(_pdf([RECORD, ["Second page: Jane Doe"]]))
    assert [u.where for u in units] == [{"page": 1}, {"page": 2}]
    assert all(u.layout is Layout.PROSE for u in units)
    assert units[0].text.decode().splitlines() == RECORD
    assert units[1].text.decode().splitlines() == ["Second page: Jane Doe"]


def test_line_breaks_are_plain_newlines() -> None:
    (unit,) = _units(_pdf([RECORD]))
    assert b"\r" not in unit.text
    assert unit.text.endswith(b"\n")


def test_blank_pages_yield_nothing_but_keep_later_page_numbers() -> None:
    units = _units(_pdf([RECORD, [], ["Third page"]]))
    assert [u.where for u in units] == [{"page": 1}, {"page": 3}]


@pytest.mark.parametrize("method", [EncryptionMethod.RC4, EncryptionMethod.AES_256])
def test_owner_password_only_pdf_is_read(method: EncryptionMethod) -> None:
    (unit,) = _units(_pdf([RECORD], owner="owner-secret", method=method))
    assert unit.text.decode().splitlines() == RECORD


@pytest.mark.parametrize(
    "method", [EncryptionMethod.RC4, EncryptionMethod.AES_128, EncryptionMethod.AES_256]
)
def test_user_password_pdf_is_encrypted_content(method: EncryptionMethod) -> None:
    data = _pdf([RECORD], owner="owner-secret", user="user-secret", method=method)
    with pytest.raises(EncryptedContent, match="password-protected PDF"):
        list(PdfExtractor().extract(data, CTX))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7\n",
        bytes(range(256)) * 4,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF",
        _pdf([RECORD])[:200],
    ],
    ids=["empty", "header-only", "random", "no-pages-object", "truncated"],
)
def test_corrupt_pdf_raises_a_one_line_extract_error(data: bytes) -> None:
    with pytest.raises(ExtractError) as caught:
        list(PdfExtractor().extract(data, CTX))
    message = str(caught.value)
    assert message
    assert "\n" not in message
    assert "6788" not in message
    assert not isinstance(caught.value, EncryptedContent | LimitExceeded)


def test_text_beyond_the_size_limit_raises_limit_exceeded() -> None:
    data = _pdf([RECORD] * 3)
    with pytest.raises(LimitExceeded, match="PDF text exceeds 100 bytes"):
        list(PdfExtractor().extract(data, ExtractContext(name="t", max_bytes=100)))


def test_sniff_knows_a_pdf_by_its_first_bytes() -> None:
    extractor = PdfExtractor()
    assert extractor.sniff(_pdf([RECORD])[:16])
    assert not extractor.sniff(b"PK\x03\x04")


def test_threads_may_extract_at_once() -> None:
    data = _pdf([RECORD, ["Second page: Jane Doe"]])
    expected = [u.text for u in _units(data)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [u.text for u in _units(data)], range(16)))
    assert results == [expected] * 16
