"""Word and PowerPoint extraction, built on real files made in each test."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pptx
import pytest
from docx.oxml import OxmlElement
from msoffcrypto.format.ooxml import OOXMLFile
from pptx.util import Inches

from wisp.discovery.extractors.base import ExtractContext
from wisp.discovery.extractors.office import DocExtractor, DocxExtractor, PptxExtractor
from wisp.discovery.models import Layout, Unit
from wisp.errors import EncryptedContent, ExtractError, LimitExceeded

DATA = Path(__file__).parent / "data"
SSN = "123-45-6788"
CTX = ExtractContext(name="test")


def _save(document: docx.document.Document | pptx.presentation.Presentation) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _units(extractor: DocxExtractor | PptxExtractor | DocExtractor, data: bytes) -> list[Unit]:
    units = list(extractor.extract(data, CTX))
    assert all(isinstance(u, Unit) for u in units)
    return [u for u in units if isinstance(u, Unit)]


def _lines(unit: Unit) -> list[str]:
    return unit.text.decode().splitlines()


def _encrypt(data: bytes) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def _rezip(data: bytes, edit: dict[str, bytes | None]) -> bytes:
    """The same package with some parts replaced (or dropped, for None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = edit.get(info.filename, src.read(info.filename))
            if blob is not None:
                dst.writestr(info.filename, blob, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _word_record() -> docx.document.Document:
    document = docx.Document()
    document.add_paragraph("Employee record for John Smith")
    document.add_paragraph(f"SSN {SSN}")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Name", (0, 1): "SSN", (1, 0): "Jane Doe"}.items():
        table.cell(row, col).text = text
    table.cell(1, 1).text = SSN
    document.sections[0].header.paragraphs[0].text = "Confidential: John Smith"
    document.sections[0].footer.paragraphs[0].text = "Page footer"
    return document


def test_docx_body_is_one_prose_unit_with_a_line_per_paragraph() -> None:
    units = _units(DocxExtractor(), _save(_word_record()))
    body = units[0]
    assert body.layout is Layout.PROSE
    assert _lines(body) == ["Employee record for John Smith", f"SSN {SSN}"]
    assert body.where == {}


def test_docx_table_becomes_a_table_unit_with_its_header() -> None:
    units = _units(DocxExtractor(), _save(_word_record()))
    tables = [u for u in units if u.layout is Layout.TABLE]
    assert len(tables) == 1
    assert tables[0].columns == ("Name", "SSN")
    assert _lines(tables[0]) == [f"Jane Doe\t{SSN}"]
    assert tables[0].where == {"table": 1}
    assert tables[0].first_line == 2


@pytest.mark.parametrize(
    ("part", "text"),
    [("header", "Confidential: John Smith"), ("footer", "Page footer")],
)
def test_docx_headers_and_footers_are_prose_units(part: str, text: str) -> None:
    units = _units(DocxExtractor(), _save(_word_record()))
    found = [u for u in units if u.where == {"part": part}]
    assert len(found) == 1
    assert found[0].layout is Layout.PROSE
    assert _lines(found[0]) == [text]


def test_docx_comments_are_read() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Reviewed")
    document.add_comment(paragraph.runs, text=f"John Smith SSN {SSN}", author="Reviewer")
    units = _units(DocxExtractor(), _save(document))
    comments = [u for u in units if u.where == {"part": "comments"}]
    assert len(comments) == 1
    assert _lines(comments[0]) == [f"John Smith SSN {SSN}"]


def test_docx_merged_cells_keep_columns_aligned() -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Employee name"
    table.cell(0, 2).text = "SSN"
    for col, text in enumerate(["John", "Smith", SSN]):
        table.cell(1, col).text = text
    (unit,) = _units(DocxExtractor(), _save(document))
    assert unit.columns == ("Employee name", "", "SSN")
    assert _lines(unit) == [f"John\tSmith\t{SSN}"]


def test_docx_nested_table_is_its_own_unit() -> None:
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Outer cell"
    inner = outer.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "John Smith"
    inner.cell(0, 1).text = SSN
    units = _units(DocxExtractor(), _save(document))
    tables = [(u.where, u.text) for u in units if u.layout is Layout.TABLE]
    assert tables == [
        ({"table": 1}, b"Outer cell\t\n"),
        ({"table": 2}, f"John Smith\t{SSN}\n".encode()),
    ]


def test_docx_non_breaking_hyphens_stay_in_the_number() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("SSN 123")
    for tail in ("45", "6788"):
        paragraph.runs[-1]._r.append(OxmlElement("w:noBreakHyphen"))
        paragraph.add_run(tail)
    (unit,) = _units(DocxExtractor(), _save(document))
    assert _lines(unit) == [f"SSN {SSN}"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    ],
)
def test_docm_and_dotx_are_read_like_docx(content_type: str) -> None:
    data = _save(_word_record())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    assert main in types
    data = _rezip(data, {"[Content_Types].xml": types.replace(main, content_type.encode())})
    units = _units(DocxExtractor(), data)
    assert _lines(units[0])[1] == f"SSN {SSN}"


def test_encrypted_docx_is_encrypted_content() -> None:
    with pytest.raises(EncryptedContent, match="password-protected Office document"):
        list(DocxExtractor().extract(_encrypt(_save(_word_record())), CTX))


def _deck() -> pptx.presentation.Presentation:
    deck = pptx.Presentation()
    for n in (1, 2):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Slide {n}"
        slide.placeholders[1].text = f"John Smith {SSN}" if n == 2 else "Agenda"
        slide.notes_slide.notes_text_frame.text = f"Notes for slide {n}"
    frame = deck.slides[1].shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1))
    for (row, col), text in {(0, 0): "Name", (0, 1): "SSN", (1, 0): "Jane Doe"}.items():
        frame.table.cell(row, col).text = text
    frame.table.cell(1, 1).text = SSN
    return deck


def test_pptx_slide_text_is_a_prose_unit_per_slide() -> None:
    units = _units(PptxExtractor(), _save(_deck()))
    slide_units = [u for u in units if u.layout is Layout.PROSE and "part" not in u.where]
    assert [u.where for u in slide_units] == [{"slide": 1}, {"slide": 2}]
    assert _lines(slide_units[0]) == ["Slide 1", "Agenda"]
    assert _lines(slide_units[1]) == ["Slide 2", f"John Smith {SSN}"]


def test_pptx_table_is_a_table_unit_on_its_slide() -> None:
    units = _units(PptxExtractor(), _save(_deck()))
    (table,) = [u for u in units if u.layout is Layout.TABLE]
    assert table.where == {"slide": 2}
    assert table.columns == ("Name", "SSN")
    assert _lines(table) == [f"Jane Doe\t{SSN}"]


def test_pptx_speaker_notes_are_read_without_the_slide_number() -> None:
    units = _units(PptxExtractor(), _save(_deck()))
    notes = [u for u in units if u.where.get("part") == "notes"]
    assert [(u.where["slide"], _lines(u)) for u in notes] == [
        (1, ["Notes for slide 1"]),
        (2, ["Notes for slide 2"]),
    ]


def test_pptx_slides_are_numbered_in_show_order() -> None:
    deck = _deck()
    id_list = deck.slides._sldIdLst
    last = id_list[-1]
    id_list.remove(last)
    id_list.insert(0, last)
    units = _units(PptxExtractor(), _save(deck))
    first = next(u for u in units if u.where == {"slide": 1})
    assert _lines(first)[0] == "Slide 2"


def test_pptx_grouped_shapes_are_read() -> None:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    group = slide.shapes.add_group_shape()
    box = group.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1))
    box.text_frame.text = f"John Smith {SSN}"
    (unit,) = _units(PptxExtractor(), _save(deck))
    assert _lines(unit) == [f"John Smith {SSN}"]


def test_encrypted_pptx_is_encrypted_content() -> None:
    with pytest.raises(EncryptedContent):
        list(PptxExtractor().extract(_encrypt(_save(_deck())), CTX))


def test_doc_read_by_antiword_keeps_its_table() -> None:
    units = _units(DocExtractor(), (DATA / "word97-table.doc").read_bytes())
    prose, table = units
    assert _lines(prose)[0] == f"Employee record 1 for John Smith, SSN {SSN}."
    assert len(_lines(prose)) == 8
    assert table.layout is Layout.TABLE
    assert table.columns == ("Name", "SSN")
    assert _lines(table) == [f"Jane Doe\t{SSN}"]


def test_small_doc_is_read_by_catdoc() -> None:
    (unit,) = _units(DocExtractor(), (DATA / "word97-small.doc").read_bytes())
    assert f"Employee record 2 for John Smith, SSN {SSN}." in _lines(unit)


def test_encrypted_doc_is_encrypted_content() -> None:
    with pytest.raises(EncryptedContent):
        list(DocExtractor().extract((DATA / "word97-encrypted.doc").read_bytes(), CTX))


def test_doc_without_antiword_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ExtractError, match="needs antiword installed"):
        list(DocExtractor().extract((DATA / "word97-table.doc").read_bytes(), CTX))


def test_legacy_doc_named_docx_is_still_read() -> None:
    units = _units(DocxExtractor(), (DATA / "word97-table.doc").read_bytes())
    assert any(u.columns == ("Name", "SSN") for u in units)


def test_docx_named_doc_is_still_read() -> None:
    units = _units(DocExtractor(), _save(_word_record()))
    assert _lines(units[0])[1] == f"SSN {SSN}"


def test_rtf_named_doc_is_read_as_text() -> None:
    rtf = b"{\\rtf1\\ansi John Smith " + SSN.encode() + b"\\par}"
    (unit,) = _units(DocExtractor(), rtf)
    assert SSN.encode() in unit.text


def _corrupt_docx(kind: str) -> bytes:
    data = _save(_word_record())
    if kind == "truncated":
        return data[: len(data) // 2]
    if kind == "bad xml":
        return _rezip(data, {"word/document.xml": b"<w:document><w:body>John Smith"})
    if kind == "no main part":
        return _rezip(data, {"_rels/.rels": None})
    if kind == "not word":
        document = pptx.Presentation()
        document.slides.add_slide(document.slide_layouts[6])
        return _save(document)
    return {"empty": b"", "random": bytes(range(256)) * 8, "ole": b"\xd0\xcf\x11\xe0" * 64}[kind]


@pytest.mark.parametrize(
    "kind", ["truncated", "bad xml", "no main part", "not word", "empty", "random", "ole"]
)
def test_corrupt_docx_raises_a_one_line_extract_error(kind: str) -> None:
    with pytest.raises(ExtractError) as caught:
        list(DocxExtractor().extract(_corrupt_docx(kind), CTX))
    message = str(caught.value)
    assert message
    assert "\n" not in message
    assert "6788" not in message
    assert "Smith" not in message
    assert not isinstance(caught.value, EncryptedContent | LimitExceeded)


@pytest.mark.parametrize(
    ("extractor", "data"),
    [
        (PptxExtractor(), b"PK\x03\x04 not really a zip"),
        (PptxExtractor(), _save(_word_record())),
        (DocExtractor(), b"plain text named .doc"),
        (DocExtractor(), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
    ],
    ids=["pptx-bad-zip", "pptx-is-docx", "doc-text", "doc-bad-ole"],
)
def test_corrupt_pptx_and_doc_raise_extract_error(
    extractor: PptxExtractor | DocExtractor, data: bytes
) -> None:
    with pytest.raises(ExtractError) as caught:
        list(extractor.extract(data, CTX))
    assert "\n" not in str(caught.value)
    assert not isinstance(caught.value, EncryptedContent)


def _bomb(size: int) -> bytes:
    """A docx whose document part expands to `size` bytes of spaces."""
    data = _save(_word_record())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        body = zf.read("word/document.xml")
    padded = re.sub(rb"<w:body>", b"<w:body>" + b" " * size, body, count=1)
    return _rezip(data, {"word/document.xml": padded})


@pytest.mark.parametrize(
    ("data", "ctx", "message"),
    [
        (_bomb(4 << 20), CTX, "expands more than 100 times"),
        (_bomb(0), ExtractContext(name="t", max_bytes=20_000), "expands beyond 20000 bytes"),
        (_bomb(0), ExtractContext(name="t", max_members=3), "more than 3 parts"),
    ],
    ids=["ratio", "size", "members"],
)
def test_docx_over_limits_raises_limit_exceeded(
    data: bytes, ctx: ExtractContext, message: str
) -> None:
    with pytest.raises(LimitExceeded, match=message):
        list(DocxExtractor().extract(data, ctx))


def test_highly_compressible_small_docx_is_not_a_bomb() -> None:
    units = _units(DocxExtractor(), _bomb(512 << 10))
    assert _lines(units[0])[1] == f"SSN {SSN}"
