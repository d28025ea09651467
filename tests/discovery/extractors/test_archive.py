"""Zip, tar and single-file compression: members out, bombs and corrupt archives stopped."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
import pyzipper  # type: ignore[import-untyped]

from wisp.discovery.extractors.archive import (
    Bzip2Extractor,
    GzipExtractor,
    TarExtractor,
    XzExtractor,
    ZipExtractor,
    member_path,
)
from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.registry import ExtractorRegistry
from wisp.discovery.models import Member
from wisp.errors import ExtractError, LimitExceeded

PI = b"John Smith, SSN 123-45-6788, Visa 4556 7375 8689 9855\n"
MIB = 1 << 20


def _members(ex: Extractor, data: bytes, ctx: ExtractContext | None = None) -> list[Member]:
    out = list(ex.extract(data, ctx or ExtractContext(name="archive")))
    assert all(isinstance(m, Member) for m in out)
    return [m for m in out if isinstance(m, Member)]


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _zeros_zip(size: int) -> bytes:
    """A deflated member of `size` zero bytes, written a mebibyte at a time."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as f:
        block = bytes(MIB)
        for _ in range(size // MIB):
            f.write(block)
    return buf.getvalue()


class _Zeros(io.RawIOBase):
    """`size` zero bytes as a stream, so a bomb is built without holding it in memory."""

    def __init__(self, size: int) -> None:
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left)
        buffer[:n] = bytes(n)
        self._left -= n
        return n


def _tar(entries: list[tarfile.TarInfo], datas: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for info in entries:
            data = datas.get(info.name)
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _entry(name: str, kind: bytes = tarfile.REGTYPE, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """300 MB of zeros deflated to about 300 KB."""
    return _zeros_zip(300 * MIB)


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a.txt", "a.txt"),
        ("/etc/passwd", "etc/passwd"),
        ("../../x/./y.txt", "x/y.txt"),
        ("dir\\sub\\file.csv", "dir/sub/file.csv"),
        ("a//b", "a/b"),
        ("..", "fallback"),
        ("/", "fallback"),
    ],
)
def test_member_path_is_relative_and_clean(raw: str, expected: str) -> None:
    assert member_path(raw, "fallback") == expected


# --- zip -----------------------------------------------------------------------------------


def test_zip_yields_regular_members_with_clean_names() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("docs/", b"")
        zf.writestr("docs/payroll.txt", PI)
        zf.writestr("../../escape.csv", b"a,b\n")
        link = zipfile.ZipInfo("docs/link")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "payroll.txt")
        zf.writestr("stored.txt", PI, compress_type=zipfile.ZIP_STORED)
    members = _members(ZipExtractor(), buf.getvalue())
    assert [(m.name, m.data, m.encrypted) for m in members] == [
        ("docs/payroll.txt", PI, False),
        ("escape.csv", b"a,b\n", False),
        ("stored.txt", PI, False),
    ]


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_reads_other_compression_methods(method: int) -> None:
    assert _members(ZipExtractor(), _zip({"a.txt": PI}, method)) == [Member("a.txt", PI)]


def test_zip_aes_member_is_encrypted_and_plain_member_is_read() -> None:
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED) as zf:
        zf.setpassword(b"correct horse")
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr("secret.txt", PI)
    with pyzipper.AESZipFile(buf, "a") as zf:
        zf.writestr("plain.txt", b"hello\n")
    members = _members(ZipExtractor(), buf.getvalue())
    assert members == [Member("secret.txt", b"", encrypted=True), Member("plain.txt", b"hello\n")]


def _zipcrypto(name: str, plain: bytes, password: bytes) -> bytes:
    """A stored member encrypted with traditional PKWARE encryption (APPNOTE 6.1), by hand:
    pyzipper writes only AES. The stdlib reads it back in the test to prove it is real.
    """
    keys = [0x12345678, 0x23456789, 0x34567890]

    def crc_step(crc: int, byte: int) -> int:
        return zlib.crc32(bytes([byte]), crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def update(byte: int) -> None:
        keys[0] = crc_step(keys[0], byte)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc_step(keys[2], keys[1] >> 24)

    def encrypt(data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            temp = (keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            update(byte)
        return bytes(out)

    for byte in password:
        update(byte)
    crc = zlib.crc32(plain)
    body = encrypt(os.urandom(11) + bytes([crc >> 24]) + plain)
    raw = name.encode()
    fields = (0x1, 0, 0, 0x21, crc, len(body), len(plain), len(raw))
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields, 0) + raw
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, 0)
    central += raw
    offset = len(local) + len(body)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), offset, 0)
    return local + body + central + eocd


def test_zip_zipcrypto_member_is_encrypted() -> None:
    data = _zipcrypto("secret.txt", PI, b"hunter2")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("secret.txt", pwd=b"hunter2") == PI
    assert _members(ZipExtractor(), data) == [Member("secret.txt", b"", encrypted=True)]


def test_zip_bomb_stops_early_with_bounded_memory(zip_bomb: bytes) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceeded, match="zip bomb"):
            _members(ZipExtractor(), zip_bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Reading the whole member would take 300 MiB; the ratio cap stops it near 30.
    assert peak < 100 * MIB


def _lie(bomb: bytes, offset: int, value: int) -> bytes:
    """The bomb with one 32-bit field of its central directory entry overwritten."""
    at = bomb.rfind(b"PK\x01\x02") + offset
    return bomb[:at] + struct.pack("<L", value) + bomb[at + 4 :]


@pytest.mark.parametrize(
    ("offset", "value", "error", "message"),
    [
        # A compressed size far beyond the file hides the true ratio: capped at the file's size.
        (20, 0xFFFFFFF0, LimitExceeded, "zip bomb"),
        # An uncompressed size of 1 KiB: reading stops there and the CRC no longer matches.
        (24, 1024, ExtractError, "zip member 1 is corrupt"),
    ],
)
def test_zip_header_lying_about_sizes_is_not_trusted(
    zip_bomb: bytes, offset: int, value: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _members(ZipExtractor(), _lie(zip_bomb, offset, value))


def test_small_highly_compressible_member_is_not_a_bomb() -> None:
    blanks = b" " * (MIB - 1) + b"\n"
    assert _members(ZipExtractor(), _zip({"blank.txt": blanks})) == [Member("blank.txt", blanks)]


def test_zip_total_size_limit() -> None:
    data = _zip({f"{i}.bin": os.urandom(MIB) for i in range(4)}, zipfile.ZIP_STORED)
    ctx = ExtractContext(name="a.zip", max_bytes=3 * MIB)
    with pytest.raises(LimitExceeded, match="expands past"):
        _members(ZipExtractor(), data, ctx)


def test_zip_corrupt_member_is_named_by_index_not_name() -> None:
    data = bytearray(_zip({"John Smith 123-45-6788.txt": PI * 50}))
    start = data.index(b".txt") + 4
    data[start + 10 : start + 20] = bytes(10)
    with pytest.raises(ExtractError) as info:
        _members(ZipExtractor(), bytes(data))
    assert str(info.value) == "zip member 1 is corrupt or truncated"


# --- limits shared by zip and tar ----------------------------------------------------------


def _four_tar() -> bytes:
    return _tar([_entry(f"{i}.txt") for i in range(4)], {f"{i}.txt": b"x" for i in range(4)})


@pytest.mark.parametrize(
    ("extractor", "build", "message"),
    [
        (ZipExtractor(), lambda: _zip({f"{i}.txt": b"x" for i in range(4)}), "zip has more"),
        (TarExtractor(), _four_tar, "tar has more"),
    ],
)
def test_member_count_limit(extractor: Extractor, build: Callable[[], bytes], message: str) -> None:
    data = build()
    assert len(_members(extractor, data, ExtractContext(name="a", max_members=4))) == 4
    with pytest.raises(LimitExceeded, match=message):
        _members(extractor, data, ExtractContext(name="a", max_members=3))


# --- tar -----------------------------------------------------------------------------------


def test_tar_yields_only_regular_files_with_clean_names() -> None:
    entries = [
        _entry("/abs/payroll.txt"),
        _entry("dir", tarfile.DIRTYPE),
        _entry("dir/link", tarfile.SYMTYPE, "/etc/shadow"),
        _entry("dir/hard", tarfile.LNKTYPE, "abs/payroll.txt"),
        _entry("dir/fifo", tarfile.FIFOTYPE),
        _entry("dir/dev", tarfile.CHRTYPE),
        _entry("../up.csv"),
        _entry("empty.txt"),
    ]
    data = _tar(entries, {"/abs/payroll.txt": PI, "../up.csv": b"a,b\n", "empty.txt": b""})
    assert _members(TarExtractor(), data) == [
        Member("abs/payroll.txt", PI),
        Member("up.csv", b"a,b\n"),
        Member("empty.txt", b""),
    ]


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_compressions(mode: str) -> None:
    data = _tar([_entry("a.txt"), _entry("b/c.txt")], {"a.txt": PI, "b/c.txt": b"c\n"}, mode)
    assert _members(TarExtractor(), data) == [Member("a.txt", PI), Member("b/c.txt", b"c\n")]


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz"])
def test_compressed_tar_bomb_stops(mode: str) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        info = tarfile.TarInfo("zeros.bin")
        info.size = 32 * MIB
        tf.addfile(info, io.BufferedReader(_Zeros(info.size)))
    with pytest.raises(LimitExceeded, match="zip bomb"):
        _members(TarExtractor(), buf.getvalue())


# --- single-file compression ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extractor", "compress", "name", "member"),
    [
        (GzipExtractor(), gzip.compress, "dir/report.csv.gz", "report.csv"),
        (GzipExtractor(), gzip.compress, "UPPER.TXT.GZ", "UPPER.TXT"),
        (GzipExtractor(), gzip.compress, "attachment", "attachment"),
        (Bzip2Extractor(), bz2.compress, "notes.txt.bz2", "notes.txt"),
        (XzExtractor(), lzma.compress, "notes.txt.xz", "notes.txt"),
    ],
)
def test_single_file_is_one_member_named_after_the_file(
    extractor: Extractor, compress: Callable[[bytes], bytes], name: str, member: str
) -> None:
    data = compress(PI)
    assert _members(extractor, data, ExtractContext(name=name)) == [Member(member, PI)]


def test_gzip_concatenated_members_are_one_file() -> None:
    data = gzip.compress(b"John Smith\n") + gzip.compress(b"123-45-6788\n")
    ctx = ExtractContext(name="a.txt.gz")
    assert _members(GzipExtractor(), data, ctx) == [Member("a.txt", b"John Smith\n123-45-6788\n")]


@pytest.mark.parametrize(
    ("extractor", "compressor"),
    [
        (GzipExtractor(), lambda: zlib.compressobj(9, zlib.DEFLATED, 31)),
        (Bzip2Extractor(), bz2.BZ2Compressor),
        (XzExtractor(), lzma.LZMACompressor),
    ],
)
def test_single_file_bomb_stops(extractor: Extractor, compressor: Callable[[], object]) -> None:
    c = compressor()
    block = bytes(MIB)
    parts = [c.compress(block) for _ in range(32)]  # type: ignore[attr-defined]
    data = b"".join(parts) + c.flush()  # type: ignore[attr-defined]
    with pytest.raises(LimitExceeded, match="zip bomb"):
        _members(extractor, data, ExtractContext(name="zeros.bin"))


# --- sniffing and corrupt input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("extractor", "head", "claimed"),
    [
        (ZipExtractor(), _zip({"a": b"a"})[:64], True),
        (ZipExtractor(), _zip({}), True),
        (ZipExtractor(), b"PK\x07\x08", False),
        (TarExtractor(), _tar([_entry("a")], {"a": b"a"})[:512], True),
        (TarExtractor(), b"ustar" + bytes(600), False),
        (GzipExtractor(), gzip.compress(b"a"), True),
        (Bzip2Extractor(), bz2.compress(b"a"), True),
        (Bzip2Extractor(), bz2.compress(b""), True),
        (Bzip2Extractor(), b"BZh is how the letters start", False),
        (XzExtractor(), lzma.compress(b"a"), True),
        (XzExtractor(), lzma.compress(b"a", lzma.FORMAT_ALONE), False),
    ],
    ids=[
        "zip",
        "empty-zip",
        "zip-spanning-marker",
        "tar",
        "ustar-at-0",
        "gz",
        "bz2",
        "bz2-empty",
        "bz2-text",
        "xz",
        "lzma-alone",
    ],
)
def test_sniff(extractor: Extractor, head: bytes, claimed: bool) -> None:
    assert extractor.sniff(head) is claimed


def test_registry_routes_compressed_tar_names_to_tar() -> None:
    registry = ExtractorRegistry(
        [ZipExtractor, TarExtractor, GzipExtractor, Bzip2Extractor, XzExtractor]
    )
    for name in ("a.tar.gz", "a.tgz", "b.tar.bz2", "c.tar.xz", "d.tar"):
        assert isinstance(registry.for_file(name, b""), TarExtractor), name
    assert isinstance(registry.for_file("a.csv.gz", b""), GzipExtractor)


_GOOD_ZIP = _zip({"a.txt": PI * 20})
_GOOD_TAR = _tar([_entry("a.txt")], {"a.txt": PI * 20})
_GOOD_TGZ = _tar([_entry("a"), _entry("b")], {"a": PI, "b": os.urandom(1 << 19)}, "w:gz")


@pytest.mark.parametrize(
    ("extractor", "data", "message"),
    [
        (ZipExtractor(), b"PK\x03\x04" + b"\x00" * 40, "not a valid zip archive"),
        (ZipExtractor(), _GOOD_ZIP[: len(_GOOD_ZIP) // 2], "not a valid zip archive"),
        (ZipExtractor(), b"", "not a valid zip archive"),
        (TarExtractor(), b"this is not a tar archive at all" * 20, "not a valid tar"),
        (TarExtractor(), b"", "not a valid tar archive"),
        (TarExtractor(), _GOOD_TAR[:700], "tar member 1 is corrupt"),
        (TarExtractor(), _GOOD_TGZ[: len(_GOOD_TGZ) - 4096], "tar member 2 is corrupt"),
        (TarExtractor(), _GOOD_TAR[:512].replace(b"ustar", b"xxxxx"), "not a valid tar"),
        (GzipExtractor(), b"not gzip", "not a valid gz file"),
        (GzipExtractor(), gzip.compress(PI * 20)[:-12], "gz data is corrupt"),
        (GzipExtractor(), b"\x1f\x8b" + bytes(30), "gz data is corrupt"),
        (Bzip2Extractor(), bz2.compress(PI * 20)[:-8], "bz2 data is corrupt"),
        (XzExtractor(), lzma.compress(PI * 20)[:-8], "xz data is corrupt"),
    ],
    ids=[
        "zip-garbage",
        "zip-truncated",
        "zip-empty",
        "tar-text",
        "tar-empty",
        "tar-truncated",
        "tgz-truncated",
        "tar-bad-magic",
        "gz-not-gzip",
        "gz-truncated",
        "gz-zeros",
        "bz2-truncated",
        "xz-truncated",
    ],
)
def test_corrupt_input_is_an_extract_error(extractor: Extractor, data: bytes, message: str) -> None:
    with pytest.raises(ExtractError, match=message) as info:
        _members(extractor, data)
    assert not isinstance(info.value, LimitExceeded)
    assert "123-45-6788" not in str(info.value)
