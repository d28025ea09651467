"""Plain text in any encoding, and HTML reduced to its text."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import charset_normalizer

if TYPE_CHECKING:
    import lxml.html

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.models import Member, Unit
from wisp.errors import ExtractError

__all__ = ["HtmlExtractor", "TextExtractor", "decode_text", "to_utf8"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Text from bytes of unknown encoding: BOM, then UTF-8, then a detector's best guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:262_144]).best()
    encoding = best.encoding if best is not None else "latin-1"
    return data.decode(encoding, "replace")


def to_utf8(data: bytes) -> bytes:
    """The same text as UTF-8 bytes; valid UTF-8 without a BOM is returned as it is."""
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return data
    return decode_text(data).encode("utf-8", "replace")


class TextExtractor(Extractor):
    """Any text file: logs, notes, source, configuration, Markdown."""

    FORMAT = "text"
    EXTENSIONS = (
        ".txt",
        ".log",
        ".md",
        ".rst",
        ".text",
        ".ini",
        ".cfg",
        ".conf",
        ".sql",
        ".yaml",
        ".yml",
        ".rtf",
    )

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        yield Unit(to_utf8(data))


class HtmlExtractor(Extractor):
    """HTML pages: each table as a table (its header row naming the columns), and the rest of
    the text a reader sees, one block element per line."""

    FORMAT = "html"
    EXTENSIONS = (".html", ".htm", ".xhtml")
    MAGIC = (b"<!DOCTYPE html", b"<!doctype html", b"<html")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        import lxml.etree
        import lxml.html

        try:
            parser = lxml.html.HTMLParser(no_network=True, encoding="utf-8")
            root = cast(
                "lxml.html.HtmlElement",
                lxml.html.document_fromstring(to_utf8(data), parser=parser),
            )
        except (lxml.etree.ParserError, ValueError) as exc:
            raise ExtractError("not a readable HTML document") from exc
        for bad in list(root.iter("script", "style")):
            cast("lxml.html.HtmlElement", bad).drop_tree()
        yield from _tables(root)
        for block in root.iter("br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "td", "th"):
            sep = "\t" if block.tag in ("td", "th") else "\n"
            block.tail = sep + (block.tail or "")
        yield Unit(root.text_content().encode("utf-8", "replace"))


def _tables(root: lxml.html.HtmlElement) -> Iterator[Unit]:
    """The innermost tables as TABLE units, removed from the tree once read."""
    from wisp.discovery.extractors.structured import table_unit

    inner = [t for t in root.iter("table") if not _nested(t)]
    for number, table in enumerate(inner, start=1):
        rows = [
            [" ".join(cell.text_content().split()) for cell in tr if cell.tag in ("td", "th")]
            for tr in table.iter("tr")
        ]
        unit = table_unit([r for r in rows if any(r)], where={"table": number})
        if unit is not None:
            yield unit
        cast("lxml.html.HtmlElement", table).drop_tree()


def _nested(table: lxml.html.HtmlElement) -> bool:
    return any(child is not table for child in table.iter("table"))
