"""Spreadsheets (xlsx, xlsm, xlsb, xls, ods) read with calamine: one TABLE unit per sheet.

calamine holds each sheet as a dense grid spanning its outermost cells and aborts the whole
process when that grid cannot be allocated: a 5 KB file with cells in A1 and XFD1048576 asks
for 17 billion cells. So each sheet's extent is measured from its cell addresses first, and a
sheet larger than the context's byte budget raises `LimitExceeded` instead.
"""

from __future__ import annotations

import datetime
import io
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.office import (
    OLE_MAGIC,
    main_part,
    ole_kind,
    open_package,
    read_part,
    relationships,
)
from wisp.discovery.extractors.structured import table_unit
from wisp.discovery.models import Member, Unit
from wisp.errors import EncryptedContent, ExtractError, LimitExceeded

__all__ = ["OdsExtractor", "SpreadsheetExtractor", "XlsExtractor", "cell_text"]

_WHAT = "spreadsheet"
#: What calamine's grid spends on one cell, empty or not.
_CELL_BYTES = 32
_SHEET_RELS = ("/worksheet", "/dialogsheet", "/xlMacrosheet", "/xlIntlMacrosheet")
_SHEET_DIRS = ("xl/worksheets/", "xl/dialogsheets/", "xl/macrosheets/")
#: A <row> or <c> start tag of SpreadsheetML, and its `r` (reference) attribute.
_XML_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(\s[^>]*)?>")
_XML_REF = re.compile(rb'\sr\s*=\s*["\']([A-Za-z]*)([0-9]*)["\']')
_XML_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_XML_CELL_REF = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*["\']([A-Za-z]*)([0-9]*)["\']')
#: BIFF8 records that hold one cell (row, column first), and the two that hold a run of them.
_BIFF_CELLS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
_BIFF_RUNS = frozenset({0x00BD, 0x00BE})
_BIFF_BOF = 0x0809
#: XLSB records: BrtRowHdr starts a row; types 1-11 are cells, the column first.
_XLSB_ROW = 0
_XLSB_CELLS = range(1, 12)
_FAR = 1 << 40


def cell_text(value: object) -> str:
    """A cell's value as the text a person reads: 123456789.0 as "123456789", dates in ISO."""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        # Excel shows at most 15 significant digits; more would only be float noise.
        text = str(int(value)) if value.is_integer() else f"{value:.15g}"
    elif isinstance(value, datetime.datetime) and value.time() == datetime.time():
        text = value.date().isoformat()
    elif isinstance(value, datetime.date | datetime.time):
        text = value.isoformat()
    else:
        text = str(value)
    return text


@dataclass(slots=True)
class _Extent:
    """The bounding box of the cells seen so far."""

    top: int = _FAR
    left: int = _FAR
    bottom: int = -1
    right: int = -1

    def add(self, row: int, col: int) -> None:
        self.top = min(self.top, row)
        self.bottom = max(self.bottom, row)
        self.left = min(self.left, col)
        self.right = max(self.right, col)

    @property
    def cells(self) -> int:
        if self.bottom < 0:
            return 0
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)


def _column(letters: bytes) -> int:
    if len(letters) > 4:
        return _FAR
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def _xml_cells(blob: bytes) -> int:
    """The grid size of a SpreadsheetML sheet."""
    refs = _XML_CELL_REF.findall(blob)
    if len(refs) != len(_XML_CELL.findall(blob)) or not all(c and r for c, r in refs):
        return _xml_cells_placed(blob)
    # Every cell names its address (as Excel and most writers do): only distinct columns
    # and rows need converting, which keeps this pass far cheaper than calamine's own.
    cols = [_column(letters) for letters in {c for c, _r in refs}]
    rows = [int(r) - 1 if len(r) < 12 else _FAR for r in {r for _c, r in refs}]
    if not rows:
        return 0
    return (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)


def _xml_cells_placed(blob: bytes) -> int:
    """The grid size of a sheet with cells that omit their address, placed as calamine does."""
    extent = _Extent()
    row = col = -1
    for m in _XML_TAG.finditer(blob):
        ref = _XML_REF.search(m.group(2) or b"")
        digits = ref.group(2) if ref else b""
        if digits:
            row = int(digits) - 1 if len(digits) < 12 else _FAR
        elif m.group(1) == b"row":
            row += 1
        if m.group(1) == b"row":
            col = -1
            continue
        col = _column(ref.group(1)) if ref and ref.group(1) else col + 1
        extent.add(max(row, 0), col)
    return extent.cells


def _xlsb_cells(blob: bytes) -> int:
    """The grid size of an XLSB sheet, from its row headers and cell records."""
    extent = _Extent()
    pos, end, row = 0, len(blob), 0
    while pos < end:
        rtype = blob[pos] & 0x7F
        if blob[pos] & 0x80:
            pos += 1
            rtype |= (blob[pos] & 0x7F) << 7
        pos += 1
        size = shift = 0
        for _ in range(4):
            byte = blob[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if rtype == _XLSB_ROW and size >= 4:
            (row,) = struct.unpack_from("<I", blob, pos)
        elif rtype in _XLSB_CELLS and size >= 4:
            extent.add(row, struct.unpack_from("<I", blob, pos)[0])
        pos += size
    return extent.cells


def _biff_cells(stream: bytes) -> int:
    """The largest grid of any sheet in a BIFF8 workbook stream."""
    largest = 0
    extent = _Extent()
    pos, end = 0, len(stream) - 4
    while pos <= end:
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if rtype == _BIFF_BOF:
            largest = max(largest, extent.cells)
            extent = _Extent()
        elif rtype in _BIFF_CELLS and size >= 4:
            extent.add(*struct.unpack_from("<HH", stream, body))
        elif rtype in _BIFF_RUNS and size >= 6:
            row, first = struct.unpack_from("<HH", stream, body)
            (last,) = struct.unpack_from("<H", stream, body + size - 2)
            extent.add(row, first)
            extent.add(row, last)
        pos = body + size
    return max(largest, extent.cells)


def _check(cells: int, ctx: ExtractContext) -> None:
    if cells * _CELL_BYTES > ctx.max_bytes:
        raise LimitExceeded(f"a spreadsheet sheet spans {cells} cells, over the size limit")


def _check_xls(data: bytes, ctx: ExtractContext) -> None:
    import olefile

    try:
        ole: olefile.OleFileIO[str] = olefile.OleFileIO(io.BytesIO(data))
        with ole:
            name = "Workbook" if ole.exists("Workbook") else "Book"
            stream = ole.openstream(name).read()
        cells = _biff_cells(stream)
    except Exception as exc:
        # olefile and struct raise OSError, struct.error, IndexError and more on damaged files.
        raise ExtractError("not a valid Excel workbook") from exc
    _check(cells, ctx)


def _check_ooxml(zf: zipfile.ZipFile, ctx: ExtractContext) -> None:
    # calamine opens xl/workbook.xml (or .bin) by name, whatever the package's relationships
    # say, so the sheets of both are measured, and any part in the usual sheet folders.
    books = {main_part(zf, _WHAT), "xl/workbook.xml", "xl/workbook.bin"}
    sheets = {
        target
        for book in books
        for _id, rel_type, target in relationships(zf, book, _WHAT)
        if rel_type.endswith(_SHEET_RELS)
    }
    sheets.update(n for n in zf.namelist() if n.startswith(_SHEET_DIRS) and "/_rels/" not in n)
    for name in sorted(sheets):
        blob = read_part(zf, name, _WHAT)
        if blob is None:
            continue
        try:
            cells = _xlsb_cells(blob) if name.endswith(".bin") else _xml_cells(blob)
        except (IndexError, struct.error) as exc:
            raise ExtractError("not a valid spreadsheet: a sheet is truncated") from exc
        _check(cells, ctx)


def _check_package(data: bytes, ctx: ExtractContext) -> None:
    """Refuse encrypted, oversized or hostile input before calamine sees it."""
    if data.startswith(OLE_MAGIC):
        if ole_kind(data) != "xls":
            raise ExtractError("not a valid Excel workbook")
        _check_xls(data, ctx)
        return
    zf = open_package(data, ctx, _WHAT)
    manifest = read_part(zf, "META-INF/manifest.xml", _WHAT)
    if manifest is not None and b"encryption-data" in manifest:
        raise EncryptedContent("password-protected OpenDocument file")
    # OpenDocument needs no measuring (calamine caps its sheets at 100 million cells), but a
    # package with OOXML relationships may be read as OOXML whatever else it holds.
    if manifest is None or "_rels/.rels" in zf.namelist():
        _check_ooxml(zf, ctx)


def _rows(values: Iterable[Sequence[object]]) -> Iterator[list[str]]:
    for value in values:
        cells = [cell_text(v) for v in value]
        while cells and not cells[-1]:
            cells.pop()
        yield cells


def _is_panic(exc: BaseException) -> bool:
    # A Rust panic inside calamine surfaces as pyo3's PanicException, a BaseException that
    # cannot be imported by name.
    return type(exc).__name__ == "PanicException"


def _sheets(data: bytes) -> Iterator[Unit]:
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise EncryptedContent("password-protected Office document") from exc
    except calamine.CalamineError as exc:
        raise ExtractError("not a readable spreadsheet") from exc
    with book:
        for meta in book.sheets_metadata:
            if meta.typ == calamine.SheetTypeEnum.ChartSheet:
                continue
            try:
                rows = list(_rows(book.get_sheet_by_name(meta.name).iter_rows()))
            except calamine.CalamineError as exc:
                raise ExtractError("not a readable spreadsheet: a sheet is damaged") from exc
            # calamine starts every sheet at row 1: skip the empty rows above the data (so the
            # header is found) and number the rest as the sheet does.
            skipped = next((n for n, row in enumerate(rows) if row), len(rows))
            unit = table_unit(rows[skipped:], where={"sheet": meta.name})
            if unit is not None:
                yield replace(unit, first_line=unit.first_line + skipped)


class _CalamineExtractor(Extractor):
    """What every spreadsheet format shares: calamine tells the formats apart by content, so
    a workbook saved under another spreadsheet extension is still read."""

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        _check_package(data, ctx)
        try:
            yield from _sheets(data)
        except BaseException as exc:
            if _is_panic(exc):
                raise ExtractError("not a readable spreadsheet") from exc
            raise


class SpreadsheetExtractor(_CalamineExtractor):
    """Excel workbooks: xlsx, macro-enabled xlsm and binary xlsb."""

    FORMAT = "xlsx"
    EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xltx", ".xltm")


class XlsExtractor(_CalamineExtractor):
    """Legacy Excel 97-2003 workbooks (BIFF8)."""

    FORMAT = "xls"
    EXTENSIONS = (".xls", ".xlt")


class OdsExtractor(_CalamineExtractor):
    """OpenDocument spreadsheets."""

    FORMAT = "ods"
    EXTENSIONS = (".ods", ".ots")
