"""Which extractor a file gets: by extension, unless the content says otherwise, then by
its first bytes, then text."""

import pytest

from wisp.discovery.extractors.registry import ExtractorRegistry, looks_like_text
from wisp.plugins import extractor_classes

REGISTRY = ExtractorRegistry(extractor_classes())
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        pytest.param("mail.msg", OLE, "msg", id="outlook-msg"),
        pytest.param("de.msg", b'::msgcat::mcset de "Open" "Offnen"\n', "text", id="tcl-msgcat"),
        pytest.param("roster.csv", b"name,ssn\n", "csv", id="by-extension"),
        pytest.param("backup.tar.gz", b"\x1f\x8b\x08", "tar", id="double-extension"),
        pytest.param("noext", b"%PDF-1.7\n", "pdf", id="pdf-by-magic"),
        pytest.param("noext", b"PK\x03\x04rest", "zip", id="zip-by-magic"),
        pytest.param("README", b"Plain words.\n", "text", id="text-fallback"),
    ],
)
def test_extractor_choice(name: str, head: bytes, fmt: str) -> None:
    extractor = REGISTRY.for_file(name, head)
    assert extractor is not None
    assert fmt == extractor.FORMAT


def test_binary_gets_no_extractor() -> None:
    assert REGISTRY.for_file("blob", bytes(range(256)) * 4) is None


@pytest.mark.parametrize(
    ("head", "text"),
    [
        pytest.param(b"hello\n", True, id="ascii"),
        pytest.param("h\u00e9llo".encode("utf-16"), True, id="utf16-bom"),
        pytest.param("hello".encode("utf-16-le"), True, id="utf16-no-bom"),
        pytest.param(bytes(range(32)) * 8, False, id="control-bytes"),
    ],
)
def test_looks_like_text(head: bytes, text: bool) -> None:
    assert looks_like_text(head) is text
