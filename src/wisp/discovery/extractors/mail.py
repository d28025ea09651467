"""E-mail: RFC 822 messages (.eml), mbox mailboxes and Outlook .msg files.

A message becomes one PROSE unit (From, To, Cc, Subject and the text of its body) and one
member per attachment; an attached message is a member too, scanned as its own file.
"""

from __future__ import annotations

import contextlib
import email
import email.errors
import email.policy
import logging
import mimetypes
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

from wisp.discovery.extractors.archive import member_path
from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.office import OLE_MAGIC
from wisp.discovery.extractors.text import HtmlExtractor, decode_text
from wisp.discovery.models import Member, Unit
from wisp.errors import ExtractError, LimitExceeded

__all__ = ["EmlExtractor", "MboxExtractor", "MsgExtractor", "looks_like_mail"]

#: The headers a unit keeps: who wrote to whom, and about what.
_SHOWN = ("From", "To", "Cc", "Subject")
#: Headers a saved message may start with.
_FIRST = frozenset(
    b"received return-path from mime-version delivered-to message-id date subject to cc"
    b" reply-to sender x-original-to x-received dkim-signature arc-seal arc-message-signature"
    b" arc-authentication-results authentication-results x-mozilla-status".split()
)
#: Headers that only mail has; a note that starts "Subject:" and "Date:" has none of them.
_MAIL_ONLY = frozenset(
    b"received return-path from mime-version delivered-to message-id x-original-to".split()
)
#: RFC 5322 field name: printable ASCII except the colon.
_FIELD = re.compile(rb"([!-9;-~]+):")
_FROM_LINE = re.compile(rb"From \S+ .*\b\d{1,2}:\d\d(?::\d\d)?\b")
_MESSAGE_START = re.compile(rb"^From ", re.MULTILINE)
_MBOXRD_QUOTE = re.compile(rb"^>(>*From )", re.MULTILINE)
_MAX_DEPTH = 32
_ENCRYPTED_SMIME = ("enveloped-data", "authenveloped-data")
#: The stdlib email package's failures on malformed headers and MIME structure.
_EMAIL_ERRORS = (email.errors.MessageError, LookupError, ValueError, TypeError, AttributeError)


def looks_like_mail(head: bytes) -> bool:
    """Whether `head` starts with an RFC 822 header block rather than ordinary text.

    Every line up to the first blank one must be a header or a folded continuation, the first
    a header mail starts with, and at least two distinct ones among them mail-only.
    """
    lines = head.split(b"\n")
    if not head.endswith(b"\n"):
        lines = lines[:-1]  # the sniff window may have cut the last line short
    names: list[bytes] = []
    for raw in lines:
        line = raw.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if not names:
                return False
            continue
        match = _FIELD.match(line)
        if match is None:
            return False
        names.append(match.group(1).lower())
    return bool(names) and names[0] in _FIRST and len(_MAIL_ONLY.intersection(names)) >= 2


class _Members:
    """Counts a container's attachments against the context's member limit."""

    def __init__(self, ctx: ExtractContext, kind: str) -> None:
        self._limit = ctx.max_members
        self._kind = kind
        self._count = 0

    def add(self, member: Member) -> Member:
        self._count += 1
        if self._count > self._limit:
            raise LimitExceeded(f"{self._kind} has more than {self._limit} attachments")
        return member


def _parse(data: bytes) -> Message:
    try:
        return email.message_from_bytes(data, policy=email.policy.default)
    except (*_EMAIL_ERRORS, RecursionError) as exc:
        raise ExtractError("not a readable e-mail message") from exc


def _header(message: Message, name: str) -> list[str]:
    """A header's values as written, encoded words decoded: a strict parse of an address
    header drops what it cannot read, and that may be the very text worth scanning."""
    values: list[str] = []
    for key, raw in message.raw_items():
        if key.lower() != name.lower():
            continue
        value = " ".join(_unescape(str(raw)).split())
        with contextlib.suppress(email.errors.HeaderParseError, LookupError, ValueError):
            value = str(make_header(decode_header(value)))
        values.append(value)
    return values


def _unescape(value: str) -> str:
    """A header parsed from bytes keeps non-ASCII bytes as surrogates; decode them."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_text(raw)


def _leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    """The non-multipart parts of a message, depth first; attached messages are leaves."""
    if depth > _MAX_DEPTH:
        raise LimitExceeded(f"mail nests MIME parts more than {_MAX_DEPTH} deep")
    payload = part.get_payload()
    if part.get_content_maintype() != "multipart" or not isinstance(payload, list):
        # PGP/MIME's control part says only "Version: 1"; its sibling holds the message.
        if part.get_content_type() != "application/pgp-encrypted":
            yield part
        return
    subs = [sub for sub in payload if isinstance(sub, Message)]
    if part.get_content_subtype() == "alternative" and subs:
        # One rendering of the same text: plain when there is one, else the richest (last).
        plain = [sub for sub in subs if sub.get_content_type() == "text/plain"]
        subs = plain[:1] or subs[-1:]
    for sub in subs:
        yield from _leaves(sub, depth + 1)


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _text(part: Message) -> str:
    raw = _payload(part)
    charset = part.get_content_charset()
    if charset:
        try:
            return raw.decode(charset, "replace")
        except LookupError:
            pass
    return decode_text(raw)


def _html_text(html: str) -> str:
    try:
        units = list(HtmlExtractor().extract(html.encode("utf-8"), ExtractContext(name="")))
    except ExtractError:
        return ""
    return "".join(u.text.decode("utf-8") for u in units if isinstance(u, Unit))


def _attachment(part: Message, index: int) -> Member | None:
    """The part as an attachment, or None when it is body text."""
    try:
        filename = part.get_filename()
    except _EMAIL_ERRORS:
        filename = None
    ctype = part.get_content_type()
    if part.get_content_maintype() == "message":
        name = member_path(filename or "", f"part-{index}.eml").rsplit("/", 1)[-1]
        if not name.lower().endswith(".eml"):
            name += ".eml"
        inner = part.get_payload()
        body = inner[0] if isinstance(inner, list) and inner else None
        return Member(name, body.as_bytes() if isinstance(body, Message) else _payload(part))
    ext = mimetypes.guess_extension(ctype) or ".bin"
    name = member_path(filename or "", f"part-{index}{ext}").rsplit("/", 1)[-1]
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        smime = str(part.get_param("smime-type", "") or "").lower()
        if smime in _ENCRYPTED_SMIME or (not smime and name.lower().endswith(".p7m")):
            return Member(name, b"", encrypted=True)
    disposition = part.get_content_disposition()
    if filename is None and disposition != "attachment" and ctype in ("text/plain", "text/html"):
        return None
    return Member(name, _payload(part))


def _message_items(
    message: Message, members: _Members, prefix: str = "", where: Mapping[str, int] | None = None
) -> Iterator[Unit | Member]:
    """The unit of a message's headers and body text, then its attachments as members."""
    lines: list[str] = []
    for name in _SHOWN:
        for value in _header(message, name):
            lines.append(f"{name}: {' '.join(value.split())}")
    lines.append("")
    attachments: list[Member] = []
    try:
        for index, part in enumerate(_leaves(message), 1):
            member = _attachment(part, index)
            if member is not None:
                attachments.append(members.add(replace(member, name=prefix + member.name)))
            elif part.get_content_subtype() == "html":
                lines.append(_html_text(_text(part)))
            else:
                lines.append(_text(part))
    except (*_EMAIL_ERRORS, RecursionError) as exc:
        raise ExtractError("e-mail MIME structure is malformed") from exc
    text = "\n".join(lines).strip("\n")
    if text:
        yield Unit(text.encode("utf-8", "replace"), where=dict(where or {}))
    yield from attachments


class EmlExtractor(Extractor):
    """One RFC 822 message: headers and body text as prose, attachments as members."""

    FORMAT = "eml"
    EXTENSIONS = (".eml",)

    def sniff(self, head: bytes) -> bool:
        return looks_like_mail(head)

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        message = _parse(data)
        if not message.keys():
            raise ExtractError("not an e-mail message: it has no headers")
        yield from _message_items(message, _Members(ctx, "message"))


class MboxExtractor(Extractor):
    """An mbox mailbox: each message as an .eml is, numbered from 1.

    The stdlib `mailbox.mbox` wants a path it can open for writing; the bytes are split here by
    its own rule instead (a message starts at every line beginning "From "), and mboxrd's
    ">From " quoting is undone.
    """

    FORMAT = "mbox"
    EXTENSIONS = (".mbox", ".mbx")
    MAGIC = (b"From ",)

    def sniff(self, head: bytes) -> bool:
        lines = head.split(b"\n", 2)
        return (
            len(lines) > 2
            and _FROM_LINE.match(lines[0]) is not None
            and _FIELD.match(lines[1]) is not None
        )

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        if not data.startswith(b"From "):
            raise ExtractError("not an mbox mailbox: it does not start with a From line")
        starts = [m.start() for m in _MESSAGE_START.finditer(data)]
        members = _Members(ctx, "mailbox")
        for number, (start, end) in enumerate(
            zip(starts, [*starts[1:], len(data)], strict=True), 1
        ):
            body_at = data.find(b"\n", start, end)
            raw = data[body_at + 1 : end] if body_at >= 0 else b""
            message = _parse(_MBOXRD_QUOTE.sub(rb"\1", raw))
            yield from _message_items(message, members, f"{number}/", {"message": number})


def _msg_attachment(att: Any, index: int) -> Member | None:
    """An extract-msg attachment as a member; web links and broken ones have no bytes."""
    from extract_msg.enums import AttachmentType

    name = member_path(str(att.name or ""), f"attachment-{index}").rsplit("/", 1)[-1]
    if att.type == AttachmentType.MSG:
        if not name.lower().endswith(".msg"):
            name += ".msg"
        # Writers other than Outlook embed messages extract-msg calls non-standard but reads.
        return Member(name, att.data.exportBytes(allowBadEmbed=True))
    data = att.data
    return Member(name, data) if isinstance(data, bytes) else None


def _read_msg(data: bytes) -> tuple[str, list[Member | int]]:
    """The message's text, and its attachments (the index of each that could not be read)."""
    import extract_msg

    # extract-msg logs what it could not parse, sometimes quoting the message; wisp's own
    # one-line errors say what went wrong without content.
    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    with extract_msg.openMsg(data, strict=False) as msg:
        lines = []
        for label, attr in (("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Subject", "subject")):
            value = getattr(msg, attr, None)
            if value:
                lines.append(f"{label}: {' '.join(str(value).split())}")
        lines.append("")
        body = getattr(msg, "body", None)
        html = getattr(msg, "htmlBody", None) if not body else None
        if body:
            lines.append(str(body))
        elif isinstance(html, bytes):
            lines.append(_html_text(decode_text(html)))
        attachments: list[Member | int] = []
        for index, att in enumerate(msg.attachments, 1):
            try:
                member = _msg_attachment(att, index)
            except Exception:  # any failure of extract-msg's, as in MsgExtractor.extract
                attachments.append(index)
                continue
            if member is not None:
                attachments.append(member)
    return "\n".join(lines).strip("\n"), attachments


class MsgExtractor(Extractor):
    """An Outlook .msg file, read with extract-msg."""

    FORMAT = "msg"
    EXTENSIONS = (".msg",)

    def claims(self, head: bytes) -> bool:
        # ".msg" also names gettext and Tcl message catalogs, which are text.
        return head.startswith(OLE_MAGIC)

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        try:
            text, attachments = _read_msg(data)
        except Exception as exc:
            # extract-msg and olefile raise whatever their parsing meets (OSError, KeyError,
            # struct.error, their own errors...) on a damaged file; none of it is ours.
            raise ExtractError("not a readable Outlook .msg file") from exc
        if len(attachments) > ctx.max_members:
            raise LimitExceeded(f"message has more than {ctx.max_members} attachments")
        if text:
            yield Unit(text.encode("utf-8", "replace"))
        yield from (a for a in attachments if isinstance(a, Member))
        failed = [a for a in attachments if isinstance(a, int)]
        if failed:
            raise ExtractError(f"Outlook attachment {failed[0]} could not be read")
