"""Spreadsheet extraction with calamine, and the guards that keep hostile sheets from it."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import olefile
import openpyxl
import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

from wisp.discovery.extractors.base import ExtractContext
from wisp.discovery.extractors.spreadsheet import (
    OdsExtractor,
    SpreadsheetExtractor,
    XlsExtractor,
    cell_text,
)
from wisp.discovery.models import Layout, Unit
from wisp.errors import EncryptedContent, ExtractError, LimitExceeded

DATA = Path(__file__).parent / "data"
SSN = "123-45-6788"
CTX = ExtractContext(name="test")
Extractor = SpreadsheetExtractor | XlsExtractor | OdsExtractor


def _units(extractor: Extractor, data: bytes, ctx: ExtractContext = CTX) -> list[Unit]:
    units = list(extractor.extract(data, ctx))
    assert all(isinstance(u, Unit) for u in units)
    return [u for u in units if isinstance(u, Unit)]


def _lines(unit: Unit) -> list[str]:
    return unit.text.decode().splitlines()


def _xlsx(cells: dict[str, object], title: str = "People") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _payroll() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Payroll"
    sheet.append(["Name", "SSN", "Start date", "Salary"])
    sheet.append(["John Smith", 123456788.0, datetime.date(2020, 3, 1), 50000.5])
    sheet.append(["Jane Doe", SSN, datetime.date(2021, 7, 15), 61000])
    book.create_sheet("Empty")
    notes = book.create_sheet("Notes")
    notes["C3"] = "Card"
    notes["C4"] = "4556 7375 8689 9855"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xls(rows: list[list[object]]) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("People")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (123456789.0, "123456789"),
        (4556737586899855.0, "4556737586899855"),
        (-3.0, "-3"),
        (1234.5, "1234.5"),
        (0.1 + 0.2, "0.3"),
        (42, "42"),
        (True, "TRUE"),
        (False, "FALSE"),
        (datetime.date(2024, 1, 5), "2024-01-05"),
        (datetime.datetime(2024, 1, 5), "2024-01-05"),
        (datetime.datetime(2024, 1, 5, 10, 30), "2024-01-05T10:30:00"),
        (datetime.time(9, 15), "09:15:00"),
        (datetime.timedelta(hours=36), "1 day, 12:00:00"),
        ("John Smith", "John Smith"),
        ("", ""),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_xlsx_sheet_is_a_table_unit_with_header_and_readable_cells() -> None:
    units = _units(SpreadsheetExtractor(), _payroll())
    payroll = units[0]
    assert payroll.layout is Layout.TABLE
    assert payroll.where == {"sheet": "Payroll"}
    assert payroll.line_key == "row"
    assert payroll.columns == ("Name", "SSN", "Start date", "Salary")
    assert payroll.first_line == 2
    assert _lines(payroll) == [
        "John Smith\t123456788\t2020-03-01\t50000.5",
        f"Jane Doe\t{SSN}\t2021-07-15\t61000",
    ]


def test_xlsx_empty_sheets_are_skipped_and_rows_keep_sheet_numbers() -> None:
    units = _units(SpreadsheetExtractor(), _payroll())
    assert [u.where for u in units] == [{"sheet": "Payroll"}, {"sheet": "Notes"}]
    notes = units[1]
    # Data starts in row 3 (a header) so its first data line is sheet row 4.
    assert notes.columns == ("Card",)
    assert notes.first_line == 4
    assert _lines(notes) == ["4556 7375 8689 9855"]


def test_xls_is_read_with_its_own_format_name() -> None:
    data = _xls([["Name", "SSN"], ["John Smith", 123456788.0], ["Jane Doe", SSN]])
    (unit,) = _units(XlsExtractor(), data)
    assert XlsExtractor.FORMAT == "xls"
    assert unit.columns == ("Name", "SSN")
    assert _lines(unit) == ["John Smith\t123456788", f"Jane Doe\t{SSN}"]


def test_ods_is_read() -> None:
    (unit,) = _units(OdsExtractor(), (DATA / "calc.ods").read_bytes())
    assert unit.where == {"sheet": "People"}
    assert unit.columns == ("Name", "SSN")
    assert _lines(unit) == [f"John Smith\t{SSN}"]


@pytest.mark.parametrize(
    ("extractor", "data"),
    [
        (XlsExtractor(), _xlsx({"A1": "Name", "A2": "John Smith"})),
        (SpreadsheetExtractor(), _xls([["Name"], ["John Smith"]])),
    ],
    ids=["xlsx-named-xls", "xls-named-xlsx"],
)
def test_a_workbook_under_another_spreadsheet_extension_is_read(
    extractor: Extractor, data: bytes
) -> None:
    (unit,) = _units(extractor, data)
    assert _lines(unit) == ["John Smith"]


def _rec(rtype: int, body: bytes = b"") -> bytes:
    """One XLSB record: type and size as 7-bit variable-length integers, then the body."""
    head = bytearray()
    for number, width in ((rtype, 2), (len(body), 4)):
        rest = number
        for _ in range(width):
            byte, rest = rest & 0x7F, rest >> 7
            head.append(byte | (0x80 if rest else 0))
            if not rest:
                break
    return bytes(head) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/{type}" Target="{target}"/></Relationships>'
)


def _xlsb(cells: dict[tuple[int, int], str | float]) -> bytes:
    """A minimal XLSB workbook (no Python package writes one) with one sheet of `cells`."""
    sheet_row = _rec(156, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("People"))
    book = _rec(131) + _rec(143) + sheet_row + _rec(144) + _rec(132)
    rows, cols = [r for r, _c in cells], [c for _r, c in cells]
    dim = struct.pack("<IIII", min(rows), max(rows), min(cols), max(cols))
    sheet = _rec(129) + _rec(148, dim) + _rec(145)
    for row in sorted(set(rows)):
        sheet += _rec(0, struct.pack("<IIHBBI", row, 0, 300, 0, 0, 0))
        for (r, col), value in sorted(cells.items()):
            if r != row:
                continue
            if isinstance(value, str):
                sheet += _rec(6, struct.pack("<II", col, 0) + _wide(value))
            else:
                sheet += _rec(5, struct.pack("<IId", col, 0, value))
    sheet += _rec(146) + _rec(130)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_rels/.rels", _RELS.format(type="officeDocument", target="xl/workbook.bin"))
        zf.writestr(
            "xl/_rels/workbook.bin.rels",
            _RELS.format(type="worksheet", target="worksheets/sheet1.bin"),
        )
        zf.writestr("xl/workbook.bin", book)
        zf.writestr("xl/worksheets/sheet1.bin", sheet)
    return out.getvalue()


def test_xlsb_is_read() -> None:
    data = _xlsb({(0, 0): "Name", (0, 1): "SSN", (1, 0): "John Smith", (1, 1): 123456788.0})
    (unit,) = _units(SpreadsheetExtractor(), data)
    assert unit.columns == ("Name", "SSN")
    assert _lines(unit) == ["John Smith\t123456788"]


def _encrypted_xlsx() -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_payroll())).encrypt("secret", out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("extractor", "data", "message"),
    [
        (SpreadsheetExtractor(), _encrypted_xlsx(), "password-protected Office document"),
        (
            XlsExtractor(),
            (DATA / "excel97-encrypted.xls").read_bytes(),
            "password-protected Office document",
        ),
        (
            OdsExtractor(),
            (DATA / "calc-encrypted.ods").read_bytes(),
            "password-protected OpenDocument file",
        ),
    ],
    ids=["xlsx", "xls", "ods"],
)
def test_encrypted_spreadsheets_are_encrypted_content(
    extractor: Extractor, data: bytes, message: str
) -> None:
    with pytest.raises(EncryptedContent, match=message):
        list(extractor.extract(data, CTX))


def _far_xls() -> bytes:
    """An xls whose one far cell is moved to column 65535 (no writer goes past column 255)."""
    data = _xls([["John Smith"], ["", "far"]])
    ole = olefile.OleFileIO(data)
    stream = bytearray(ole.openstream("Workbook").read())
    pos = 0
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x00FD and struct.unpack_from("<HH", stream, pos + 4) == (1, 1):
            struct.pack_into("<HH", stream, pos + 4, 65535, 65535)
        pos += 4 + size
    out = io.BytesIO(data)
    writer = olefile.OleFileIO(out, write_mode=True)
    writer.write_stream("Workbook", bytes(stream))
    writer.close()
    return out.getvalue()


def _unaddressed_far_row() -> bytes:
    """An xlsx whose far row holds cells without addresses, placed after its row number."""
    data = _xlsx({"A1": "Name"})
    src = zipfile.ZipFile(io.BytesIO(data))
    sheet = src.read("xl/worksheets/sheet1.xml")
    far = b'<row r="1048576">' + b"<c><v>1</v></c>" * 2000 + b"</row>"
    sheet = sheet.replace(b"</sheetData>", far + b"</sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, blob)
    return out.getvalue()


@pytest.mark.parametrize(
    ("extractor", "make"),
    [
        (SpreadsheetExtractor(), lambda: _xlsx({"A1": "John Smith", "XFD1048576": SSN})),
        (SpreadsheetExtractor(), _unaddressed_far_row),
        (SpreadsheetExtractor(), lambda: _xlsb({(0, 0): "x", (1048575, 16383): "y"})),
        (XlsExtractor(), _far_xls),
    ],
    ids=["xlsx-far-cell", "xlsx-unaddressed-cells", "xlsb-far-cell", "xls-far-cell"],
)
def test_sheets_too_large_for_memory_raise_limit_exceeded(
    extractor: Extractor, make: Callable[[], bytes]
) -> None:
    # Loaded as they are, each of these makes calamine abort the whole process.
    data = make()
    assert len(data) < 40_000
    with pytest.raises(LimitExceeded, match=r"spans [0-9]+ cells"):
        list(extractor.extract(data, CTX))


def test_a_sheet_within_the_budget_is_read() -> None:
    data = _xlsx({"A1": "Name", "A2": "John Smith", "Z5000": "end"})
    (unit,) = _units(SpreadsheetExtractor(), data)
    assert _lines(unit)[0] == "John Smith"
    small = ExtractContext(name="t", max_bytes=26 * 5000 * 32 - 1)
    with pytest.raises(LimitExceeded):
        _units(SpreadsheetExtractor(), data, small)


def _corrupt(kind: str) -> bytes:
    good = _payroll()
    return {
        "truncated xlsx": good[: len(good) // 2],
        "random": bytes(range(256)) * 8,
        "empty": b"",
        "zip of nothing": _zip({"readme.txt": b"hello"}),
        "bad sheet xml": _replace(good, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData>"),
        "truncated xls": _xls([["John Smith"]])[:1000],
        "ole not excel": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000),
    }[kind]


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return out.getvalue()


def _replace(data: bytes, name: str, blob: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    return _zip({**parts, name: blob})


@pytest.mark.parametrize(
    "kind",
    [
        "truncated xlsx",
        "random",
        "empty",
        "zip of nothing",
        "bad sheet xml",
        "truncated xls",
        "ole not excel",
    ],
)
def test_corrupt_spreadsheets_raise_a_one_line_extract_error(kind: str) -> None:
    with pytest.raises(ExtractError) as caught:
        list(SpreadsheetExtractor().extract(_corrupt(kind), CTX))
    message = str(caught.value)
    assert message
    assert "\n" not in message
    assert "Smith" not in message
    assert not isinstance(caught.value, EncryptedContent | LimitExceeded)
