"""Archives (zip, tar) and single-file compression (gzip, bzip2, xz): their files as members.

Nothing is written to disk. Every member is decompressed in chunks against the context's
limits, so a zip bomb or a header that lies about sizes stops at the cap, not in memory.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Protocol

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.models import Member, Unit
from wisp.errors import ExtractError, LimitExceeded

__all__ = [
    "Bzip2Extractor",
    "GzipExtractor",
    "TarExtractor",
    "XzExtractor",
    "ZipExtractor",
    "member_path",
]

_CHUNK = 1 << 16
#: Below this many uncompressed bytes a member may compress as well as it likes (plain text
#: full of blanks compresses far beyond 100:1 and is no bomb).
_RATIO_FLOOR = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
#: bzip2: "BZh", a block size digit, then a block's or the end-of-stream's 48-bit magic.
_BZ2_BLOCK_MAGIC = (b"1AY&SY", b"\x17rE8P\x90")
#: What the stdlib decompressors raise on corrupt or truncated input.
_DECOMPRESS_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)
_ZIP_ERRORS = (zipfile.BadZipFile, RuntimeError, *_DECOMPRESS_ERRORS)
_TAR_ERRORS = (tarfile.TarError, *_DECOMPRESS_ERRORS)


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def member_path(raw: str, fallback: str) -> str:
    """A member's name as a relative posix path, for reports only: no root, no `.`/`..`."""
    parts = raw.replace("\\", "/").split("/")
    kept = [p for p in parts if p not in ("", ".", "..")]
    return "/".join(kept) or fallback


class _Budget:
    """Counts what one container expands to and stops it at the context's limits."""

    def __init__(self, ctx: ExtractContext, kind: str, size: int) -> None:
        self._ctx = ctx
        self._kind = kind
        self._size = size
        self.members = 0
        self.total = 0

    def count(self) -> None:
        """Count one more member; too many raise `LimitExceeded`."""
        self.members += 1
        if self.members > self._ctx.max_members:
            raise LimitExceeded(f"{self._kind} has more than {self._ctx.max_members} members")

    def read(self, stream: _Readable, compressed: int | None) -> bytes:
        """All of `stream`, in chunks, stopping at the byte and ratio caps.

        `compressed` is the member's own compressed size; None when only the whole file's is
        known (one compressed stream), and then the ratio is taken over everything read so far.
        """
        out = bytearray()
        while chunk := stream.read(_CHUNK):
            out += chunk
            self.total += len(chunk)
            if self.total > self._ctx.max_bytes:
                raise LimitExceeded(
                    f"{self._kind} expands past {self._ctx.max_bytes} bytes (zip bomb?)"
                )
            produced = len(out) if compressed is not None else self.total
            base = min(compressed, self._size) if compressed is not None else self._size
            if produced > _RATIO_FLOOR and produced > self._ctx.max_ratio * max(base, 1):
                raise LimitExceeded(
                    f"{self._kind} member expands more than {self._ctx.max_ratio}x (zip bomb?)"
                )
        return bytes(out)


class _CappedStream(io.RawIOBase):
    """A decompressed stream that raises `LimitExceeded` once it has given `limit` bytes."""

    def __init__(self, inner: io.BufferedIOBase, limit: int, kind: str) -> None:
        super().__init__()
        self._inner = inner
        self._limit = limit
        self._kind = kind
        self._given = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._inner.close()
        super().close()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        chunk = self._inner.read(min(len(buffer), _CHUNK))
        self._given += len(chunk)
        if self._given > self._limit:
            raise LimitExceeded(f"{self._kind} stream expands past its limit (zip bomb?)")
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _decompressing(data: bytes) -> io.BufferedIOBase | None:
    """A reader of `data` decompressed, when it is gzip, bzip2 or xz; else None."""
    src = io.BytesIO(data)
    if data.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=src, mode="rb")
    if _is_bzip2(data):
        return bz2.BZ2File(src)
    if data.startswith(_XZ_MAGIC):
        return lzma.LZMAFile(src)
    return None


def _is_bzip2(head: bytes) -> bool:
    return head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in _BZ2_BLOCK_MAGIC


def _stream_limit(ctx: ExtractContext, size: int) -> int:
    return min(ctx.max_bytes, max(_RATIO_FLOOR, ctx.max_ratio * max(size, 1)))


def _open_tar(fileobj: IO[bytes]) -> tarfile.TarFile:
    try:
        return tarfile.open(fileobj=fileobj, mode="r|")
    except _TAR_ERRORS as exc:
        raise ExtractError("not a valid tar archive") from exc


def _is_regular(info: zipfile.ZipInfo) -> bool:
    if info.is_dir():
        return False
    mode = info.external_attr >> 16
    # Only Unix-made zips carry a file type; elsewhere every non-directory is a file.
    return info.create_system != 3 or stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode)


class ZipExtractor(Extractor):
    """Zip archives: each regular file a member; password-protected ones reported encrypted."""

    FORMAT = "zip"
    EXTENSIONS = (".zip",)
    MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, *_DECOMPRESS_ERRORS) as exc:
            raise ExtractError("not a valid zip archive") from exc
        with archive:
            infos = archive.infolist()
            if len(infos) > ctx.max_members:
                raise LimitExceeded(f"zip has more than {ctx.max_members} members")
            budget = _Budget(ctx, "zip", len(data))
            for index, info in enumerate(infos, 1):
                if not _is_regular(info):
                    continue
                name = member_path(info.filename, f"member-{index}")
                if info.flag_bits & 0x1:
                    yield Member(name, b"", encrypted=True)
                    continue
                yield Member(name, self._read(archive, info, index, budget))

    @staticmethod
    def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, index: int, b: _Budget) -> bytes:
        # Member names can themselves be personal information: messages give the index.
        try:
            with archive.open(info) as stream:
                return b.read(stream, info.compress_size)
        except NotImplementedError as exc:
            raise ExtractError(f"zip member {index} uses an unsupported compression") from exc
        except _ZIP_ERRORS as exc:
            raise ExtractError(f"zip member {index} is corrupt or truncated") from exc


class TarExtractor(Extractor):
    """Tar archives, plain or gzip/bzip2/xz-compressed, read as a stream."""

    FORMAT = "tar"
    EXTENSIONS = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")

    def sniff(self, head: bytes) -> bool:
        return head[257:262] == b"ustar"

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        inner = _decompressing(data)
        fileobj: IO[bytes] = io.BytesIO(data)
        if inner is not None:
            capped = _CappedStream(inner, _stream_limit(ctx, len(data)), "tar")
            fileobj = io.BufferedReader(capped, _CHUNK)
        with fileobj, _open_tar(fileobj) as archive:
            yield from self._members(archive, _Budget(ctx, "tar", len(data)))

    def _members(self, archive: tarfile.TarFile, budget: _Budget) -> Iterator[Member]:
        index = 0
        while True:
            try:
                info = archive.next()
            except _TAR_ERRORS as exc:
                raise ExtractError(f"tar entry {index + 1} is corrupt or truncated") from exc
            if info is None:
                return
            index += 1
            budget.count()
            if info.isreg():
                data = self._read(archive, info, index, budget)
                yield Member(member_path(info.name, f"member-{index}"), data)

    @staticmethod
    def _read(archive: tarfile.TarFile, info: tarfile.TarInfo, index: int, b: _Budget) -> bytes:
        try:
            stream = archive.extractfile(info)
            return b"" if stream is None else b.read(stream, None)
        except _TAR_ERRORS as exc:
            raise ExtractError(f"tar member {index} is corrupt or truncated") from exc


class _CompressedExtractor(Extractor):
    """One compressed file: its content as one member named after the file, less the suffix."""

    def extract(self, data: bytes, ctx: ExtractContext) -> Iterator[Unit | Member]:
        stream = _decompressing(data)
        if stream is None:
            raise ExtractError(f"not a valid {self.FORMAT} file")
        budget = _Budget(ctx, self.FORMAT, len(data))
        try:
            with stream:
                content = budget.read(stream, None)
        except _DECOMPRESS_ERRORS as exc:
            raise ExtractError(f"{self.FORMAT} data is corrupt or truncated") from exc
        yield Member(self._member_name(ctx.name), content)

    def _member_name(self, name: str) -> str:
        base = member_path(name, "content").rsplit("/", 1)[-1]
        for ext in self.EXTENSIONS:
            if base.lower().endswith(ext) and len(base) > len(ext):
                return base[: -len(ext)]
        return base


class GzipExtractor(_CompressedExtractor):
    """A gzip-compressed file (all of its concatenated members)."""

    FORMAT = "gz"
    EXTENSIONS = (".gz", ".gzip")
    MAGIC = (_GZIP_MAGIC,)


class Bzip2Extractor(_CompressedExtractor):
    """A bzip2-compressed file."""

    FORMAT = "bz2"
    EXTENSIONS = (".bz2",)
    MAGIC = (b"BZh",)

    def sniff(self, head: bytes) -> bool:
        return _is_bzip2(head)


class XzExtractor(_CompressedExtractor):
    """An xz-compressed file."""

    FORMAT = "xz"
    EXTENSIONS = (".xz",)
    MAGIC = (_XZ_MAGIC,)
