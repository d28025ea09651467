"""E-mail extractors: .eml, mbox and Outlook .msg to prose units and attachment members."""

from __future__ import annotations

import email
import email.policy
import mailbox
from email.message import EmailMessage
from pathlib import Path

import extract_msg
import pytest
from aspose.email_foss import msg as aspose_msg  # type: ignore[import-untyped]

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.mail import (
    EmlExtractor,
    MboxExtractor,
    MsgExtractor,
    looks_like_mail,
)
from wisp.discovery.extractors.sealed import PgpExtractor
from wisp.discovery.models import Layout, Member, Unit
from wisp.errors import ExtractError, LimitExceeded

BODY = "Employee John Smith, SSN 123-45-6788, card 4556 7375 8689 9855."
PDF = b"%PDF-1.4 made-up attachment bytes"


def _items(ex: Extractor, data: bytes, ctx: ExtractContext | None = None) -> list[Unit | Member]:
    return list(ex.extract(data, ctx or ExtractContext(name="mail")))


def _units(items: list[Unit | Member]) -> list[Unit]:
    return [i for i in items if isinstance(i, Unit)]


def _members(items: list[Unit | Member]) -> list[Member]:
    return [i for i in items if isinstance(i, Member)]


def _message(subject: str = "Payroll", body: str = BODY) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Jane Doe <jane@example.com>"
    msg["To"] = "John Smith <john@example.com>, hr@example.com"
    msg["Cc"] = "audit@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 01 Jan 2024 09:00:00 +0000"
    msg["Message-ID"] = "<1@example.com>"
    msg.set_content(body)
    return msg


# --- .eml ----------------------------------------------------------------------------------


def test_eml_unit_holds_shown_headers_and_body() -> None:
    items = _items(EmlExtractor(), _message().as_bytes())
    assert len(items) == 1
    unit = items[0]
    assert isinstance(unit, Unit)
    assert unit.layout is Layout.PROSE
    assert unit.text.decode().splitlines() == [
        "From: Jane Doe <jane@example.com>",
        "To: John Smith <john@example.com>, hr@example.com",
        "Cc: audit@example.com",
        "Subject: Payroll",
        "",
        BODY,
    ]


def test_eml_alternative_body_is_read_once_and_html_only_is_reduced_to_text() -> None:
    both = _message()
    both.add_alternative(f"<html><body><p>{BODY}</p></body></html>", subtype="html")
    text = _units(_items(EmlExtractor(), both.as_bytes()))[0].text.decode()
    assert text.count("123-45-6788") == 1

    html_only = _message()
    html_only.set_content(
        "<html><head><style>p {}</style></head><body><p>John Smith</p>"
        "<p>SSN 123-45-6788</p></body></html>",
        subtype="html",
    )
    text = _units(_items(EmlExtractor(), html_only.as_bytes()))[0].text.decode()
    assert "<p>" not in text
    assert "p {}" not in text
    assert "John Smith\nSSN 123-45-6788" in text


def test_eml_attachments_become_members() -> None:
    msg = _message()
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="../../w2.pdf")
    msg.add_attachment("name,ssn\nJohn Smith,123-45-6788\n", subtype="csv", filename="hr.csv")
    msg.add_attachment(b"\x89PNG made-up", maintype="image", subtype="png")
    forwarded = _message(subject="Forwarded payroll")
    msg.add_attachment(forwarded)
    items = _items(EmlExtractor(), msg.as_bytes())
    assert isinstance(items[0], Unit)
    members = _members(items)
    assert [m.name for m in members] == ["w2.pdf", "hr.csv", "part-4.png", "part-5.eml"]
    assert members[0].data == PDF
    assert members[1].data == b"name,ssn\nJohn Smith,123-45-6788\n"
    inner = email.message_from_bytes(members[3].data, policy=email.policy.default)
    assert inner["Subject"] == "Forwarded payroll"


def test_eml_smime_encrypted_part_is_an_encrypted_member() -> None:
    msg = _message()
    msg.add_attachment(
        b"\x30\x80 made-up ciphertext",
        maintype="application",
        subtype="pkcs7-mime",
        filename="smime.p7m",
        params={"smime-type": "enveloped-data"},
    )
    assert _members(_items(EmlExtractor(), msg.as_bytes())) == [
        Member("smime.p7m", b"", encrypted=True)
    ]


def test_eml_pgp_mime_yields_the_encrypted_message_as_a_member() -> None:
    armored = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA+made+up\n-----END PGP MESSAGE-----\n"
    raw = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Payroll\r\n"
        b"Message-ID: <5@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"'
        b"\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
        b'--b\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
        + armored.replace(b"\n", b"\r\n")
        + b"--b--\r\n"
    )
    items = _items(EmlExtractor(), raw)
    assert _units(items)[0].text.decode().splitlines()[-1] == "Subject: Payroll"
    members = _members(items)
    assert [m.name for m in members] == ["encrypted.asc"]
    assert PgpExtractor().sniff(members[0].data)


def test_eml_encoded_headers_and_charsets_are_decoded() -> None:
    raw = (
        b"From: =?utf-8?q?Jos=C3=A9_Garc=C3=ADa?= <jose@example.com>\r\n"
        b"To: payroll@example.com\r\n"
        b"Subject: =?iso-8859-1?q?N=F3mina?=\r\n"
        b"Message-ID: <2@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="iso-8859-1"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Se=F1or John Smith 123-45-6788\r\n"
    )
    text = _units(_items(EmlExtractor(), raw))[0].text.decode()
    assert "From: José García <jose@example.com>" in text
    assert "Subject: Nómina" in text
    assert "Señor John Smith 123-45-6788" in text


def test_eml_malformed_address_header_keeps_its_raw_text() -> None:
    raw = b"From: John Smith <<<>>@@\r\nMessage-ID: <3@x>\r\nSubject: s\r\n\r\nbody\r\n"
    text = _units(_items(EmlExtractor(), raw))[0].text.decode()
    assert "From: John Smith <<<>>@@" in text
    assert "body" in text


def test_eml_attachment_count_limit() -> None:
    msg = _message()
    for i in range(3):
        msg.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"{i}")
    ctx = ExtractContext(name="m.eml", max_members=2)
    with pytest.raises(LimitExceeded, match="more than 2 attachments"):
        _items(EmlExtractor(), msg.as_bytes(), ctx)


def test_eml_deeply_nested_mime_is_refused() -> None:
    inner = b"Content-Type: text/plain\r\n\r\nJohn Smith\r\n"
    for depth in range(40):
        boundary = f"b{depth}".encode()
        inner = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary
            + b"\r\n" + inner + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    raw = b"From: a@example.com\r\nMessage-ID: <4@x>\r\n" + inner
    with pytest.raises(LimitExceeded, match="deep"):
        _items(EmlExtractor(), raw)


@pytest.mark.parametrize(
    "data",
    [
        b"Dear John Smith,\nyour SSN is 123-45-6788.\n",
        b"\x00\x01\x02binary junk\xff\xfe",
        b"",
    ],
    ids=["prose", "binary", "empty"],
)
def test_eml_without_headers_is_an_extract_error(data: bytes) -> None:
    with pytest.raises(ExtractError, match="no headers") as info:
        _items(EmlExtractor(), data)
    assert "123-45-6788" not in str(info.value)


@pytest.mark.parametrize(
    ("head", "claimed"),
    [
        (_message().as_bytes(), True),
        (b"Received: from mx.example.com\r\n\tby mail\r\nFrom: a@b\r\nTo: c@d\r\n\r\nhi", True),
        (b"Return-Path: <a@b>\nDelivered-To: c@d\nSubject: s\n", True),
        (b"MIME-Version: 1.0\nFrom: a@b\nContent-Type: text/plain; charset=" + b"x" * 60, True),
        (b"Subject: meeting notes\nDate: Monday\n\nJohn Smith 123-45-6788\n", False),
        (b"From: Jane\nTo: John\n\nhello\n", False),
        (b"Name: John Smith\nSSN: 123-45-6788\n", False),
        (b"From: a@b\nMessage-ID: <1@x>\nthis line is no header\n\nbody", False),
        (b"Dear John,\nFrom: a@b\nMessage-ID: <1@x>\n", False),
        (b"From the desk of Jane Doe\n", False),
        (b" From: a@b\nMessage-ID: <1@x>\n\n", False),
        (b"", False),
    ],
    ids=[
        "message",
        "received-folded",
        "return-path",
        "cut-off-header",
        "note-subject-date",
        "from-to-only",
        "key-value-text",
        "non-header-line",
        "prose-first",
        "from-prose",
        "indented-first",
        "empty",
    ],
)
def test_looks_like_mail(head: bytes, claimed: bool) -> None:
    assert looks_like_mail(head) is claimed
    assert EmlExtractor().sniff(head) is claimed


# --- mbox ----------------------------------------------------------------------------------


def _mbox(tmp_path: Path) -> bytes:
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    first = _message(subject="First", body="From here on, John Smith 123-45-6788.")
    second = _message(subject="Second", body="Nothing here.")
    second.add_attachment(PDF, maintype="application", subtype="pdf", filename="w2.pdf")
    box.add(first)
    box.add(second)
    box.flush()
    box.close()
    return (tmp_path / "inbox.mbox").read_bytes()


def test_mbox_messages_are_numbered_units_and_members(tmp_path: Path) -> None:
    data = _mbox(tmp_path)
    assert b"\n>From here on" in data  # mailbox quoted the body line; the extractor unquotes it
    items = _items(MboxExtractor(), data)
    units = _units(items)
    assert [u.where for u in units] == [{"message": 1}, {"message": 2}]
    assert b"Subject: First" in units[0].text
    assert b"\nFrom here on, John Smith 123-45-6788." in units[0].text
    assert b"Subject: Second" in units[1].text
    assert _members(items) == [Member("2/w2.pdf", PDF)]


def test_mbox_sniff(tmp_path: Path) -> None:
    assert MboxExtractor().sniff(_mbox(tmp_path)[:8192])
    assert MboxExtractor().sniff(b"From - Mon Jan  1 00:00:00 2024\nX-Mozilla-Status: 0001\n\n")
    for text in (b"From the desk of Jane Doe\nDear John,\n", b"From: a@b\nTo: c@d\n\nhi\n"):
        assert not MboxExtractor().sniff(text)


def test_mbox_not_starting_with_a_from_line_is_an_extract_error() -> None:
    with pytest.raises(ExtractError, match="not an mbox mailbox"):
        _items(MboxExtractor(), b"John Smith 123-45-6788\n")


# --- Outlook .msg --------------------------------------------------------------------------


def _outlook(subject: str = "Payroll", body: str = BODY) -> aspose_msg.MapiMessage:
    """An Outlook .msg built by aspose-email-foss, an MIT-licensed pure-Python MSG writer."""
    message = aspose_msg.MapiMessage.create(subject, body)
    message.set_property(aspose_msg.PropertyId.SENDER_NAME, "Jane Doe")
    message.set_property(aspose_msg.PropertyId.SENDER_EMAIL_ADDRESS, "jane@example.com")
    message.add_recipient("john@example.com", display_name="John Smith")
    return message


def test_msg_unit_and_attachments() -> None:
    message = _outlook()
    message.add_attachment("w2.pdf", PDF, mime_type="application/pdf")
    message.add_embedded_message_attachment(_outlook("Forwarded", "Inner body"))
    items = _items(MsgExtractor(), message.to_bytes())
    unit = items[0]
    assert isinstance(unit, Unit)
    lines = unit.text.decode().splitlines()
    assert lines[0].startswith("From: Jane Doe")
    assert lines[1] == "To: John Smith <john@example.com>"
    assert "Subject: Payroll" in lines
    assert BODY in lines
    members = _members(items)
    assert members[0] == Member("w2.pdf", PDF)
    assert members[1].name.endswith(".msg")
    with extract_msg.openMsg(members[1].data) as inner:
        assert isinstance(inner, extract_msg.Message)
        assert inner.subject == "Forwarded"
        assert (inner.body or "").strip() == "Inner body"


def test_msg_html_only_body_is_reduced_to_text() -> None:
    message = _outlook(body="")
    message.body_html = "<html><body><p>John Smith</p><p>123-45-6788</p></body></html>"
    text = _units(_items(MsgExtractor(), message.to_bytes()))[0].text.decode()
    assert "John Smith\n123-45-6788" in text
    assert "<p>" not in text


def test_msg_attachment_count_limit() -> None:
    message = _outlook()
    for i in range(3):
        message.add_attachment(f"{i}.txt", b"x")
    with pytest.raises(LimitExceeded, match="more than 2 attachments"):
        _items(MsgExtractor(), message.to_bytes(), ExtractContext(name="m.msg", max_members=2))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"John Smith 123-45-6788, not an OLE file at all" * 20,
        _outlook().to_bytes()[:1536],
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
    ],
    ids=["empty", "not-ole", "truncated", "ole-header-only"],
)
def test_msg_corrupt_is_an_extract_error(data: bytes) -> None:
    with pytest.raises(ExtractError, match=r"not a readable Outlook \.msg file") as info:
        _items(MsgExtractor(), data)
    assert "123-45-6788" not in str(info.value)
