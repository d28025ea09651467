"""Word and PowerPoint documents (OOXML and legacy .doc), and the package checks that every
Office format shares: zip limits, part reading and password protection (17.02: encrypted
data without its key is not personal information).

OOXML text is read straight from the package's XML with lxml, following its relationships:
python-docx and python-pptx build a full object model (styles, layouts, masters) that costs
8-14 ms a file, where the text alone costs under 1 ms.
"""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.structured import table_unit
from wisp.discovery.extractors.text import to_utf8
from wisp.discovery.models import Member, Unit
from wisp.errors import EncryptedContent, ExtractError, LimitExceeded

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "OLE_MAGIC",
    "DocExtractor",
    "DocxExtractor",
    "PptxExtractor",
    "main_part",
    "ole_kind",
    "open_package",
    "read_part",
    "relationships",
    "xml_part",
]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
#: Below this much expanded content a high compression ratio is harmless (small, repetitive
#: XML compresses well), so the ratio limit applies only above it.
_RATIO_FLOOR = 1 << 20
#: Errors zipfile raises on a damaged member.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
)
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_ENCRYPTED = "password-protected Office document"


def ole_kind(data: bytes) -> str:
    """Which Office format an OLE compound file holds: "doc", "xls", "ppt" or "" (other).

    Raises `EncryptedContent` when it is password-protected, which includes every encrypted
    OOXML file (an OLE wrapper around EncryptionInfo and EncryptedPackage streams).
    """
    import msoffcrypto  # type: ignore[import-untyped]

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = bool(office.is_encrypted())
    except msoffcrypto.exceptions.FileFormatError:
        return ""
    except Exception as exc:
        # msoffcrypto parses headers with struct and olefile; a damaged file can raise anything.
        raise ExtractError("not a valid Office file") from exc
    if encrypted:
        raise EncryptedContent(_ENCRYPTED)
    return {"Doc97File": "doc", "Xls97File": "xls", "Ppt97File": "ppt"}.get(
        type(office).__name__, ""
    )


def open_package(data: bytes, ctx: ExtractContext, what: str) -> zipfile.ZipFile:
    """The zip of an OOXML or OpenDocument file, checked against the context's limits."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ZIP_ERRORS as exc:
        raise ExtractError(f"not a valid {what}") from exc
    if len(infos) > ctx.max_members:
        raise LimitExceeded(f"{what} has more than {ctx.max_members} parts")
    total = sum(info.file_size for info in infos)
    if total > ctx.max_bytes:
        raise LimitExceeded(f"{what} expands beyond {ctx.max_bytes} bytes")
    if total > _RATIO_FLOOR and total > ctx.max_ratio * max(len(data), 1):
        raise LimitExceeded(f"{what} expands more than {ctx.max_ratio} times its size")
    return zf


def read_part(zf: zipfile.ZipFile, name: str, what: str) -> bytes | None:
    """A part's bytes, None when the package has no such part."""
    try:
        return zf.read(name)
    except KeyError:
        return None
    except _ZIP_ERRORS as exc:
        raise ExtractError(f"not a valid {what}: a part is damaged") from exc


def xml_part(zf: zipfile.ZipFile, name: str, what: str) -> etree._Element | None:
    """A part parsed as XML (no entities, no network), None when the package has no such part."""
    from lxml import etree

    blob = read_part(zf, name, what)
    if blob is None:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(blob, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractError(f"not a valid {what}: a part is not well-formed XML") from exc


def relationships(zf: zipfile.ZipFile, part: str, what: str) -> list[tuple[str, str, str]]:
    """The internal relationships of `part` ("" for the package) as (id, type, target part)."""
    folder, base = posixpath.split(part)
    root = xml_part(zf, posixpath.join(folder, "_rels", base + ".rels"), what)
    if root is None:
        return []
    rels = []
    for rel in root.iter(_RELS):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        name = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        rels.append((rel.get("Id", ""), rel.get("Type", ""), posixpath.normpath(name)))
    return rels


def main_part(zf: zipfile.ZipFile, what: str) -> str:
    """The name of the package's main part (the target of its officeDocument relationship)."""
    for _id, rel_type, target in relationships(zf, "", what):
        if rel_type.endswith("/officeDocument"):
            return target
    raise ExtractError(f"not a valid {what}: no main document part")


@dataclass(frozen=True, slots=True)
class _Markup:
    """The element names one XML vocabulary uses for text, paragraphs and tables."""

    para: str
    table: str
    row: str
    cell: str
    text: frozenset[str]
    space: frozenset[str] = frozenset()
    hyphen: frozenset[str] = frozenset()
    #: Where a cell says how many grid columns it spans, when merged cells leave no element.
    span: str = ""

    @property
    def names(self) -> list[str]:
        return [
            self.para,
            self.table,
            self.row,
            self.cell,
            _MC_FALLBACK,
            *self.text,
            *self.space,
            *self.hyphen,
        ]


_WORDML = _Markup(
    para=f"{_W}p",
    table=f"{_W}tbl",
    row=f"{_W}tr",
    cell=f"{_W}tc",
    # Deleted tracked changes are still in the file, so their text is scanned too.
    text=frozenset({f"{_W}t", f"{_W}delText"}),
    space=frozenset({f"{_W}tab", f"{_W}br", f"{_W}cr"}),
    # Word stores the hyphens of a number typed with non-breaking hyphens as elements.
    hyphen=frozenset({f"{_W}noBreakHyphen"}),
    span=f"{_W}tcPr/{_W}gridSpan",
)
_DRAWINGML = _Markup(
    para=f"{_A}p",
    table=f"{_A}tbl",
    row=f"{_A}tr",
    cell=f"{_A}tc",
    text=frozenset({f"{_A}t"}),
    space=frozenset({f"{_A}br"}),
)


@dataclass(slots=True)
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    cell: list[str] | None = None


@dataclass(slots=True)
class _Text:
    """Paragraph lines and tables of one part, in document order; nested tables on their own."""

    lines: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)

    def prose(self) -> list[str]:
        """The lines with every table row appended, cells joined by tabs."""
        return self.lines + ["\t".join(row) for table in self.tables for row in table]


def _walk(root: etree._Element, markup: _Markup, into: _Text | None = None) -> _Text:
    """The text of an OOXML part: one line per paragraph, tables as rows of cells."""
    from lxml import etree

    walker = _Walker(markup, into if into is not None else _Text())
    fallback = 0
    for event, el in etree.iterwalk(root, events=("start", "end"), tag=markup.names):
        if el.tag == _MC_FALLBACK:
            # Alternate content repeats its text in a fallback for old readers: read it once.
            fallback += 1 if event == "start" else -1
        elif fallback:
            continue
        elif event == "start":
            walker.start(el)
        else:
            walker.end(el)
    return walker.out


@dataclass(slots=True)
class _Walker:
    """Open paragraphs and tables while a part's elements go by."""

    markup: _Markup
    out: _Text
    paras: list[list[str]] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)

    def start(self, el: etree._Element) -> None:
        tag, markup = el.tag, self.markup
        if tag == markup.para:
            self.paras.append([])
        elif tag == markup.table:
            # Tables are numbered in the order they open, so an outer table precedes its inner.
            self.tables.append(_Table())
            self.out.tables.append(self.tables[-1].rows)
        elif tag == markup.row and self.tables:
            self.tables[-1].rows.append([])
        elif tag == markup.cell and self.tables:
            self.tables[-1].cell = []
        elif self.paras:
            self.paras[-1].append(_inline(el, markup))

    def end(self, el: etree._Element) -> None:
        tag, markup = el.tag, self.markup
        table = self.tables[-1] if self.tables else None
        if tag == markup.para and self.paras:
            text = "".join(self.paras.pop()).strip()
            if text and table is not None and table.cell is not None:
                table.cell.append(text)
            elif text:
                self.out.lines.append(text)
        elif tag == markup.cell and table is not None and table.cell is not None:
            _close_cell(el, table, markup)
        elif tag == markup.table and table is not None:
            self.tables.pop()
            if not any(any(row) for row in table.rows):
                table.rows.clear()


def _inline(el: etree._Element, markup: _Markup) -> str:
    if el.tag in markup.text:
        return el.text or ""
    if el.tag in markup.hyphen:
        return "-"
    return " "


def _close_cell(el: etree._Element, table: _Table, markup: _Markup) -> None:
    text = " ".join(table.cell or ())
    table.cell = None
    if not table.rows:
        table.rows.append([])
    table.rows[-1].append(text)
    span = el.find(markup.span) if markup.span else None
    if span is not None:
        try:
            extra = int(span.get(f"{_W}val", "1")) - 1
        except ValueError:
            extra = 0
        # A merged cell leaves no element for the columns it covers: keep columns aligned.
        table.rows[-1].extend([""] * max(0, min(extra, 1000)))


def _prose(lines: Sequence[str], where: dict[str, str | int] | None = None) -> Unit | None:
    if not lines:
        return None
    return Unit(("\n".join(lines) + "\n").encode("utf-8", "replace"), where=where or {})


def _tables(tables: list[list[list[str]]], first: int = 1) -> Iterator[Unit]:
    for n, rows in enumerate(tables, start=first):
        unit = table_unit(rows, where={"table": n})
        if unit is not None:
            yield unit


def _legacy(data: bytes, ctx: ExtractContext, what: str) -> Iterator[Unit | Member]:
    """An OLE file where OOXML was expected: encrypted, or a legacy Word file renamed."""
    kind = ole_kind(data)
    if kind == "doc":
        yield from DocExtractor().extract(data, ctx)
        return
    if kind:
        raise ExtractError(f"a legacy .{kind} file is not a valid {what}")
    raise ExtractError(f"not a valid {what}")


def _main_document(
    data: bytes, ctx: ExtractContext, what: str, tag: str
) -> tuple[zipfile.ZipFile, str, etree._Element]:
    """The package, the name of its main part, and that part's root, which must be `tag`."""
    zf = open_package(data, ctx, what)
    main = main_part(zf, what)
    root = xml_part(zf, main, what)
    if root is None or root.tag != tag:
        raise ExtractError(f"not a valid {what}")
    return zf, main, root


#: Parts of a Word document besides its body, by the tail of their relationship type.
_WORD_PARTS = ("header", "footer", "footnotes", "endnotes", "comments")


class DocxExtractor(Extractor):
    """Word documents: body paragraphs, each table, then headers, footers, notes and comments."""

    FORMAT = "docx"
    EXTENSIONS = (".docx", ".docm", ".dotx", ".dotm")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        what = "Word document"
        if data.startswith(OLE_MAGIC):
            yield from _legacy(data, ctx, what)
            return
        zf, main, root = _main_document(data, ctx, what, f"{_W}document")
        body = _walk(root, _WORDML)
        unit = _prose(body.lines)
        if unit is not None:
            yield unit
        yield from _tables(body.tables)
        extra: dict[str, _Text] = {}
        for _id, rel_type, target in relationships(zf, main, what):
            kind = rel_type.rsplit("/", 1)[-1]
            part = xml_part(zf, target, what) if kind in _WORD_PARTS else None
            if part is not None:
                _walk(part, _WORDML, extra.setdefault(kind, _Text()))
        for kind in _WORD_PARTS:
            unit = _prose(extra[kind].prose(), {"part": kind}) if kind in extra else None
            if unit is not None:
                yield unit


class PptxExtractor(Extractor):
    """PowerPoint decks: each slide's text and tables, then its speaker notes."""

    FORMAT = "pptx"
    EXTENSIONS = (".pptx", ".pptm", ".ppsx", ".potx")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        what = "PowerPoint presentation"
        if data.startswith(OLE_MAGIC):
            yield from _legacy(data, ctx, what)
            return
        zf, main, root = _main_document(data, ctx, what, f"{_P}presentation")
        targets = {rid: target for rid, _type, target in relationships(zf, main, what)}
        slide_ids = root.iterfind(f"{_P}sldIdLst/{_P}sldId")
        slides = [targets.get(el.get(_R_ID, ""), "") for el in slide_ids]
        for n, name in enumerate(slides, start=1):
            yield from self._slide(zf, name, n, what)

    def _slide(self, zf: zipfile.ZipFile, name: str, n: int, what: str) -> Iterator[Unit]:
        slide = xml_part(zf, name, what) if name else None
        if slide is None:
            return
        text = _walk(slide, _DRAWINGML)
        unit = _prose(text.lines, {"slide": n})
        if unit is not None:
            yield unit
        for rows in text.tables:
            table = table_unit(rows, where={"slide": n})
            if table is not None:
                yield table
        for _id, rel_type, target in relationships(zf, name, what):
            notes = xml_part(zf, target, what) if rel_type.endswith("/notesSlide") else None
            if notes is None:
                continue
            # The notes page also holds the slide's picture and number: keep the body only.
            body = _Text()
            for shape in notes.iter(f"{_P}sp"):
                ph = shape.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
                if ph is not None and ph.get("type") == "body":
                    _walk(shape, _DRAWINGML, body)
            unit = _prose(body.prose(), {"slide": n, "part": "notes"})
            if unit is not None:
                yield unit


#: antiword reads a WordDocument stream only from the big-block area an OLE file keeps for
#: streams of at least this size; smaller documents (LibreOffice, Word for Mac) go to catdoc.
_ANTIWORD_MIN_STREAM = 4096
_TOOL_TIMEOUT = 30.0


def _run_tool(argv: list[str], data: bytes) -> bytes:
    """The standard output of a converter fed the document on standard input."""
    path = shutil.which(argv[0])
    if path is None:
        raise ExtractError(f"legacy .doc needs {argv[0]} installed")
    try:
        done = subprocess.run(
            [path, *argv[1:]], input=data, capture_output=True, timeout=_TOOL_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractError(f"{argv[0]} took over {_TOOL_TIMEOUT:.0f} s on the document") from exc
    except OSError as exc:
        raise ExtractError(f"{argv[0]} could not be run") from exc
    if done.returncode != 0:
        # Its stderr can quote the document, so it stays out of the message.
        raise ExtractError(f"{argv[0]} could not read the document")
    return done.stdout


def _word_stream_size(data: bytes) -> int:
    import olefile

    try:
        ole: olefile.OleFileIO[str] = olefile.OleFileIO(io.BytesIO(data))
        with ole:
            return ole.get_size("WordDocument")
    except Exception as exc:
        # olefile raises OSError, struct.error, IndexError and more on damaged files.
        raise ExtractError("not a valid Word document") from exc


def _doc_units(text: str) -> Iterator[Unit]:
    """antiword's text: table rows (`|cell|cell|`) to TABLE units, everything else PROSE."""
    lines: list[str] = []
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 1 and stripped[0] == stripped[-1] == "|":
            rows.append([cell.strip() for cell in stripped[1:-1].split("|")])
            continue
        if rows:
            tables.append(rows)
            rows = []
        if stripped:
            lines.append(stripped)
    if rows:
        tables.append(rows)
    unit = _prose(lines)
    if unit is not None:
        yield unit
    yield from _tables(tables)


class DocExtractor(Extractor):
    """Legacy Word (.doc, Word 97-2003) through Debian's antiword, or catdoc for small files."""

    FORMAT = "doc"
    EXTENSIONS = (".doc", ".dot")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        if data.startswith(_ZIP_MAGIC):
            # A .docx saved under the old extension.
            yield from DocxExtractor().extract(data, ctx)
            return
        if data.lstrip()[:5] == b"{\\rtf":
            # Word and WordPad save RTF under .doc; like a .rtf file, it is read as text.
            yield Unit(to_utf8(data))
            return
        if not data.startswith(OLE_MAGIC) or ole_kind(data) != "doc":
            raise ExtractError("not a valid Word document")
        if _word_stream_size(data) >= _ANTIWORD_MIN_STREAM:
            out = _run_tool(["antiword", "-w", "0", "-m", "UTF-8.txt", "-"], data)
            yield from _doc_units(out.decode("utf-8", "replace"))
        else:
            out = _run_tool(["catdoc", "-w", "-d", "utf-8"], data)
            unit = _prose([s for s in out.decode("utf-8", "replace").splitlines() if s.strip()])
            if unit is not None:
                yield unit
