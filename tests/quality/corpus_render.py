"""Renders corpus documents into file formats, and packs files into mail, archives and
encrypted containers, the way the applications offices use would write them."""

from __future__ import annotations

import base64
import csv
import gzip
import html
import io
import json
import mailbox
import random
import tarfile
import zipfile
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from corpus_docs import Doc, Para, Records, Table

__all__ = [
    "MIME",
    "age_encrypted",
    "age_file",
    "eml",
    "encrypt_office",
    "encrypted_pdf",
    "encrypted_zip",
    "gz",
    "mbox",
    "msg",
    "pgp_armored",
    "pgp_binary",
    "pgp_encrypted",
    "render",
    "tar",
    "zip_of",
]

_WHEN = datetime(2024, 3, 7, 9, 30, tzinfo=UTC)
_ZIP_TIME = (2024, 3, 7, 9, 30, 0)

MIME = {
    "csv": ("text", "csv"),
    "txt": ("text", "plain"),
    "pdf": ("application", "pdf"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _cells(row: Sequence[Any]) -> list[str]:
    return [str(c) for c in row]


def _text(doc: Doc, markdown: bool = False) -> bytes:
    out: list[str] = []
    if doc.title:
        out.append(f"# {doc.title}" if markdown else doc.title.upper())
    for block in doc.blocks:
        if isinstance(block, Para):
            out.append(block.text)
        elif isinstance(block, Table):
            rows = [block.header, *map(_cells, block.rows)]
            if markdown:
                lines = ["| " + " | ".join(r) + " |" for r in rows]
                lines.insert(1, "|" + "---|" * len(block.header))
            else:
                widths = [max(len(r[i]) for r in rows) for i in range(len(block.header))]
                lines = [
                    "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                    for r in rows
                ]
            out.append("\n".join(lines))
        else:
            raise TypeError("records have no plain-text form")
    return ("\n\n".join(out) + "\n").encode()


def _only_table(doc: Doc) -> Table:
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert len(tables) == len(doc.blocks) == 1, "a delimited file holds one table"
    return tables[0]


def _delimited(doc: Doc, delimiter: str) -> bytes:
    table = _only_table(doc)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(_cells(r) for r in table.rows)
    return buf.getvalue().encode()


def _data(doc: Doc) -> Any:
    records = [b for b in doc.blocks if isinstance(b, Records)]
    assert len(records) == 1, "structured formats hold one records block"
    return records[0]


def _jsonl(doc: Doc) -> bytes:
    data = _data(doc).data
    items = (
        data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    )
    return "".join(json.dumps(i) + "\n" for i in items).encode()


def _xml_node(tag: str, value: Any, attributes: bool, depth: int) -> str:
    pad = "  " * depth
    if isinstance(value, dict):
        flat = all(not isinstance(v, dict | list) for v in value.values())
        if attributes and flat:
            attrs = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in value.items())
            return f"{pad}<{tag} {attrs}/>\n"
        inner = "".join(_xml_node(k, v, attributes, depth + 1) for k, v in value.items())
        return f"{pad}<{tag}>\n{inner}{pad}</{tag}>\n"
    if isinstance(value, list):
        item = tag[:-1] if tag.endswith("s") and len(tag) > 3 else "item"
        inner = "".join(_xml_node(item, v, attributes, depth + 1) for v in value)
        return f"{pad}<{tag}>\n{inner}{pad}</{tag}>\n"
    return f"{pad}<{tag}>{html.escape(str(value))}</{tag}>\n"


def _xml(doc: Doc) -> bytes:
    block = _data(doc)
    data = block.data if isinstance(block.data, dict) else {"records": block.data}
    body = "".join(_xml_node(k, v, block.attributes, 1) for k, v in data.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<export>\n{body}</export>\n'.encode()


def _html(doc: Doc) -> bytes:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        "<html><head><meta charset='utf-8'>",
        f"<title>{e(doc.title or 'Document')}</title>",
        "<style>td{padding:2px}</style>",
        "</head><body>",
    ]
    if doc.title:
        parts.append(f"<h1>{e(doc.title)}</h1>")
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append("<p>" + "<br>\n".join(e(line) for line in block.text.split("\n")) + "</p>")
        elif isinstance(block, Table):
            parts.append("<table>")
            parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in block.header) + "</tr>")
            for row in block.rows:
                parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in _cells(row)) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode()


def _docx(doc: Doc) -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.author = "HR"
    if doc.title:
        d.add_heading(doc.title, level=1)
    for block in doc.blocks:
        if isinstance(block, Para):
            d.add_paragraph(block.text)
        elif isinstance(block, Table):
            t = d.add_table(rows=1 + len(block.rows), cols=len(block.header))
            for i, row in enumerate([block.header, *map(_cells, block.rows)]):
                for j, cell in enumerate(row):
                    t.cell(i, j).text = cell
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx(doc: Doc) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    first = True
    for n, block in enumerate(doc.blocks):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        if isinstance(block, Table):
            sheet.title = (block.title or f"Sheet{n + 1}")[:31]
            sheet.append(block.header)
            for row in block.rows:
                sheet.append(row)
                for col, fmt in block.formats.items():
                    sheet.cell(row=sheet.max_row, column=col + 1).number_format = fmt
        elif isinstance(block, Para):
            sheet.title = f"Notes{n + 1}"
            for line in block.text.split("\n"):
                sheet.append([line])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xls(doc: Doc) -> bytes:
    """The Excel 97-2003 binary format, as older payroll and HR exports still write it."""
    import xlwt

    book = xlwt.Workbook()
    for n, block in enumerate(b for b in doc.blocks if isinstance(b, Table)):
        sheet = book.add_sheet((block.title or f"Sheet{n + 1}")[:31])
        for r, row in enumerate([block.header, *block.rows]):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _pptx(doc: Doc) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    for block in doc.blocks:
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = doc.title or "Update"
        if isinstance(block, Para):
            box = slide.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(9), Inches(5))
            frame = box.text_frame
            frame.word_wrap = True
            for i, line in enumerate(block.text.split("\n")):
                para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
                para.text = line
                para.font.size = Pt(14)
        elif isinstance(block, Table):
            rows = [block.header, *map(_cells, block.rows)]
            shape = slide.shapes.add_table(
                len(rows),
                len(block.header),
                Inches(0.3),
                Inches(1.4),
                Inches(9.4),
                Inches(0.3) * len(rows),
            )
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    shape.table.cell(i, j).text = cell
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _pdf_doc(doc: Doc) -> Any:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(_WHEN)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    if doc.title:
        pdf.set_font("Helvetica", style="B", size=14)
        pdf.multi_cell(0, 8, doc.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
    for block in doc.blocks:
        if isinstance(block, Para):
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif isinstance(block, Table):
            with pdf.table(text_align="LEFT") as table:
                for row in [block.header, *map(_cells, block.rows)]:
                    cells = table.row()
                    for cell in row:
                        cells.cell(cell)
            pdf.ln(4)
    return pdf


def _pdf(doc: Doc) -> bytes:
    return bytes(_pdf_doc(doc).output())


def render(fmt: str, doc: Doc) -> bytes:
    """The bytes of `doc` written as `fmt` (an extension without the dot)."""
    writers = {
        "txt": _text,
        "log": _text,
        "md": lambda d: _text(d, markdown=True),
        "csv": lambda d: _delimited(d, ","),
        "tsv": lambda d: _delimited(d, "\t"),
        "json": lambda d: (json.dumps(_data(d).data, indent=2) + "\n").encode(),
        "jsonl": _jsonl,
        "xml": _xml,
        "html": _html,
        "docx": _docx,
        "xlsx": _xlsx,
        "xls": _xls,
        "pptx": _pptx,
        "pdf": _pdf,
    }
    return writers[fmt](doc)


# Containers --------------------------------------------------------------------------------


def eml(
    sender: str, to: str, subject: str, body: Doc, attachments: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(_WHEN)
    msg["Message-ID"] = f"<{zlib.crc32(subject.encode())}.{len(attachments)}@example.com>"
    msg.set_content(_text(body).decode())
    for name, data in attachments:
        main, sub = MIME.get(name.rsplit(".", 1)[-1], ("application", "octet-stream"))
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(msg)


def msg(
    sender: str, to: str, subject: str, body: Doc, attachments: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """An Outlook .msg (written by aspose-email-foss, a pure-Python MSG writer)."""
    from aspose.email_foss import msg as mapi

    message = mapi.MapiMessage.create(subject, _text(body).decode())
    message.set_property(mapi.PropertyId.SENDER_EMAIL_ADDRESS, sender)
    message.add_recipient(to)
    for name, data in attachments:
        main, sub = MIME.get(name.rsplit(".", 1)[-1], ("application", "octet-stream"))
        message.add_attachment(name, data, mime_type=f"{main}/{sub}")
    return bytes(message.to_bytes())


def mbox(path: Path, messages: Sequence[bytes]) -> None:
    box = mailbox.mbox(str(path), create=True)
    try:
        for raw in messages:
            m = mailbox.mboxMessage(raw)
            m.set_from("MAILER-DAEMON", _WHEN.timetuple())
            box.add(m)
        box.flush()
    finally:
        box.close()


def zip_of(members: Sequence[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(
                zipfile.ZipInfo(name, date_time=_ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED
            )
    return buf.getvalue()


def tar(members: Sequence[tuple[str, bytes]], compress: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if compress else "w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(_WHEN.timestamp())
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def encrypted_zip(members: Sequence[tuple[str, bytes]], password: bytes) -> bytes:
    import pyzipper

    buf = io.BytesIO()
    with pyzipper.AESZipFile(
        buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as zf:
        zf.setpassword(password)
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def encrypted_pdf(doc: Doc, password: str) -> bytes:
    pdf = _pdf_doc(doc)
    pdf.set_encryption(owner_password=password + "-owner", user_password=password)
    return bytes(pdf.output())


def encrypt_office(data: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def age_encrypted(data: bytes) -> bytes:
    """`data` encrypted by rage (pyrage) to a fresh X25519 key."""
    import pyrage

    return bytes(pyrage.encrypt(data, [pyrage.x25519.Identity.generate().to_public()]))


def pgp_encrypted(data: bytes, password: str, *, armor: bool) -> bytes:
    """`data` encrypted by Sequoia-PGP (pysequoia) with a password."""
    import pysequoia

    return bytes(pysequoia.encrypt(data, passwords=[password], armor=armor))


def _random_bytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def pgp_binary(rng: random.Random, size: int = 900) -> bytes:
    """An OpenPGP message (RFC 4880): a public-key encrypted session key packet for an RSA
    key, then a symmetrically encrypted integrity-protected data packet."""
    mpi = b"\x08\x00" + bytes([0x80 | rng.getrandbits(7)]) + _random_bytes(rng, 255)
    pkesk = b"\x03" + _random_bytes(rng, 8) + b"\x01" + mpi
    seipd = b"\x01" + _random_bytes(rng, size)
    return (
        b"\x85"
        + len(pkesk).to_bytes(2, "big")
        + pkesk
        + b"\xd2\xff"
        + len(seipd).to_bytes(4, "big")
        + seipd
    )


def pgp_armored(rng: random.Random) -> bytes:
    body = base64.b64encode(pgp_binary(rng, 600)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    crc = base64.b64encode(_random_bytes(rng, 3)).decode()
    text = "\n".join(
        ["-----BEGIN PGP MESSAGE-----", "", *lines, f"={crc}", "-----END PGP MESSAGE-----"]
    )
    return (text + "\n").encode()


def age_file(rng: random.Random) -> bytes:
    """An age v1 file: the text header with one X25519 recipient stanza, then the payload."""

    def b64(n: int) -> str:
        return base64.b64encode(_random_bytes(rng, n)).decode().rstrip("=")

    header = f"age-encryption.org/v1\n-> X25519 {b64(32)}\n{b64(32)}\n--- {b64(32)}\n"
    return header.encode() + _random_bytes(rng, 16) + _random_bytes(rng, 1200)
