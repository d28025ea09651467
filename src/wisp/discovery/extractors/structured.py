"""Delimited tables (CSV, TSV), JSON and XML: structure kept, one record per line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.text import decode_text, to_utf8
from wisp.discovery.models import Layout, Member, Unit
from wisp.errors import ExtractError

__all__ = ["CsvExtractor", "JsonExtractor", "XmlExtractor", "is_header", "table_unit"]

_HEADER_WORDS = re.compile(
    r"(?i)name|ssn|social|id\b|_id|number|\bno\b|date|dob|birth|account|acct|card|email|phone"
    r"|address|street|city|state|zip|license|first|last|type|code|amount|title|dept|department"
    r"|status|notes?\b|comment|description|routing|bank|employee|customer|client|patient"
)
_DIGIT = re.compile(r"\d")
_CLEAN = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def is_header(cells: list[str]) -> bool:
    """Whether a first row names its columns rather than holding data."""
    joined = " ".join(cells)
    return bool(cells) and not _DIGIT.search(joined) and bool(_HEADER_WORDS.search(joined))


def table_unit(
    rows: Iterator[list[str]] | list[list[str]], where: dict[str, str | int] | None = None
) -> Unit | None:
    """A TABLE unit from rows of cells, the first taken as the header when it looks like one."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return None
    columns: tuple[str, ...] = ()
    first_line = 1
    body: list[str] = []
    if is_header(first):
        columns = tuple(c.translate(_CLEAN).strip() for c in first)
        first_line = 2
    else:
        body.append("\t".join(c.translate(_CLEAN) for c in first))
    body.extend("\t".join(c.translate(_CLEAN) for c in row) for row in it)
    if not body:
        return None
    return Unit(
        ("\n".join(body) + "\n").encode("utf-8", "replace"),
        Layout.TABLE,
        columns=columns,
        where=where or {},
        first_line=first_line,
        line_key="row" if where else "line",
    )


class CsvExtractor(Extractor):
    """Comma-, tab-, semicolon- or pipe-separated tables."""

    FORMAT = "csv"
    EXTENSIONS = (".csv", ".tsv", ".tab", ".psv")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        utf8 = to_utf8(data)
        head = utf8[:65536].decode("utf-8", "replace")
        first = head.split("\n", 1)[0]
        delimiter = max(",\t;|", key=first.count)
        if b'"' not in utf8 and b"\r" not in utf8:
            # Fast path: nothing quoted, so the bytes already are one record per line.
            lines = utf8.split(b"\n", 1)
            header = lines[0].decode("utf-8", "replace").split(delimiter)
            if is_header(header):
                body = lines[1] if len(lines) > 1 else b""
                if body.strip():
                    yield Unit(
                        body,
                        Layout.TABLE,
                        columns=tuple(h.strip() for h in header),
                        delimiter=delimiter.encode(),
                        first_line=2,
                    )
                return
            yield Unit(utf8, Layout.TABLE, delimiter=delimiter.encode())
            return
        try:
            rows = csv.reader(io.StringIO(utf8.decode("utf-8", "replace")), delimiter=delimiter)
            unit = table_unit(list(rows))
        except csv.Error as exc:
            raise ExtractError("not a readable delimited table") from exc
        if unit is not None:
            yield unit


def _fields(node: dict[Any, Any], prefix: str, nested: list[Any]) -> list[str]:
    """The scalar fields of an object, nested objects' fields included under dotted keys
    (`name.first`), so a person's parts stay one record; lists of objects go to `nested`."""
    fields: list[str] = []
    for k, v in node.items():
        name = prefix + str(k).translate(_CLEAN)
        if isinstance(v, dict):
            fields += _fields(v, name + ".", nested)
        elif isinstance(v, list) and any(isinstance(x, dict | list) for x in v):
            nested.extend(v)
        elif isinstance(v, list):
            fields.append(f"{name}: " + " ".join(str(x).translate(_CLEAN) for x in v))
        elif v is not None:
            fields.append(f"{name}: {str(v).translate(_CLEAN)}")
    return fields


def _records(node: Any, key: str = "") -> Iterator[str]:
    """One `key: value<TAB>...` line per JSON object; objects in lists are their own lines."""
    if isinstance(node, dict):
        nested: list[Any] = []
        fields = _fields(node, "", nested)
        if fields:
            yield "\t".join(fields)
        for item in nested:
            yield from _records(item, key)
    elif isinstance(node, list):
        for item in node:
            yield from _records(item, key)
    elif node is not None:
        yield f"{key}: {str(node).translate(_CLEAN)}" if key else str(node).translate(_CLEAN)


class JsonExtractor(Extractor):
    """JSON documents and JSON Lines: each object is a record."""

    FORMAT = "json"
    EXTENSIONS = (".json", ".jsonl", ".ndjson", ".geojson")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        text = decode_text(data)
        try:
            docs: list[Any] = [json.loads(text)]
        except json.JSONDecodeError:
            try:
                docs = [json.loads(line) for line in text.splitlines() if line.strip()]
            except json.JSONDecodeError:
                # Not JSON after all: still text worth scanning.
                yield Unit(text.encode("utf-8", "replace"))
                return
        lines = [line for doc in docs for line in _records(doc)]
        if lines:
            body = "\n".join(lines) + "\n"
            yield Unit(body.encode("utf-8", "replace"), Layout.RECORDS, line_key="record")


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _field(key: str | bytes, value: str | bytes) -> str:
    return f"{_text(key)}: {_text(value)}".translate(_CLEAN)


class XmlExtractor(Extractor):
    """XML: an element whose children are all leaves is a record; other text is prose."""

    FORMAT = "xml"
    EXTENSIONS = (".xml", ".xsd", ".plist", ".svg")
    MAGIC = (b"<?xml",)

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        from lxml import etree

        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=False
        )
        try:
            root = etree.fromstring(data, parser=parser)
        except etree.XMLSyntaxError as exc:
            raise ExtractError("not a well-formed XML document") from exc
        records: list[str] = []
        prose: list[str] = []
        leafy: dict[Any, bool] = {}  # element -> all its element children are leaves

        def all_leaves(node: Any) -> bool:
            known = leafy.get(node)
            if known is None:
                known = all(len(c) == 0 for c in node if isinstance(c.tag, str))
                leafy[node] = known
            return known

        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            children = [c for c in el if isinstance(c.tag, str)]
            parent = el.getparent()
            in_record = len(el) == 0 and parent is not None and all_leaves(parent)
            # A leaf of a record has its attributes counted with the record, not again here.
            fields = [] if in_record else [_field(k, v) for k, v in el.attrib.items()]
            if children and all_leaves(el):
                fields += [
                    _field(etree.QName(c).localname, (c.text or "").strip())
                    for c in children
                    if (c.text or "").strip() or c.attrib
                ]
                fields += [
                    _field(f"{etree.QName(c).localname}.{_text(k)}", v)
                    for c in children
                    for k, v in c.attrib.items()
                ]
                if el.text and el.text.strip():
                    prose.append(el.text.strip())
            elif (
                len(el) == 0
                and el.text
                and el.text.strip()
                and (parent is None or not all_leaves(parent))
            ):
                # A leaf whose siblings have children of their own is prose, not a field.
                prose.append(el.text.strip())
            if fields:
                records.append("\t".join(fields))
        if records:
            yield Unit(("\n".join(records) + "\n").encode(), Layout.RECORDS, line_key="record")
        if prose:
            yield Unit(("\n".join(prose) + "\n").encode())
