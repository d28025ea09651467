"""The plugin manager: built-ins registered through the hooks, and a third party beside them."""

from __future__ import annotations

import io
import types
from collections.abc import Iterator
from typing import ClassVar, TextIO

import pluggy
import pytest

from wisp import hookspecs
from wisp.discovery.detectors import (
    BankNumberDetector,
    CreditCardDetector,
    DriverLicenseDetector,
    PersonDetector,
    SsnDetector,
)
from wisp.discovery.detectors.base import Detector, NameDetector, Pattern
from wisp.discovery.extractors.archive import ZipExtractor
from wisp.discovery.extractors.base import Extractor
from wisp.discovery.extractors.office import DocxExtractor
from wisp.discovery.extractors.pdf import PdfExtractor
from wisp.discovery.extractors.text import TextExtractor
from wisp.discovery.models import ELEMENT_TYPES, FileResult, ScanReport
from wisp.discovery.render.base import Renderer
from wisp.discovery.render.json import JsonRenderer
from wisp.discovery.worker import FileScanner, Limits, Outcome
from wisp.hookspecs import hookimpl
from wisp.plugins import detector_classes, extractor_classes, plugin_manager, renderer_classes

BUILTINS = ("wisp.discovery.detectors", "wisp.discovery.extractors", "wisp.discovery.render")
LIMITS = Limits(1 << 20, 5, 100, 100, 1 << 24, 100)


class AcmeIdDetector(Detector):
    """A third party's element: `ACME-` and six digits."""

    ENTITY = "ACME_ID"
    PATTERNS: ClassVar[tuple[Pattern, ...]] = (
        Pattern("acme", r"(?<![\w-])ACME-\d{6}(?![\w-])", r"ACME-\d{6}", 11, 0.9),
    )


class UpperRenderer(Renderer):
    FORMAT = "paths-upper"

    def render(self, report: ScanReport, out: TextIO) -> None:
        out.writelines(f.path.upper() + "\n" for f in report.files)


@pytest.fixture
def fresh_manager() -> Iterator[pluggy.PluginManager]:
    """A new plugin manager for the test, and a new one again for whoever comes next."""
    plugin_manager.cache_clear()
    try:
        yield plugin_manager()
    finally:
        plugin_manager.cache_clear()


@pytest.fixture
def acme(fresh_manager: pluggy.PluginManager) -> types.ModuleType:
    """A third-party plugin module registered at runtime, as an entry point would be."""
    plugin = types.ModuleType("wisp_acme")

    @hookimpl
    def wisp_detectors() -> list[type[Detector]]:
        return [AcmeIdDetector]

    @hookimpl
    def wisp_report_formats() -> list[type[Renderer]]:
        return [UpperRenderer]

    plugin.wisp_detectors = wisp_detectors  # type: ignore[attr-defined]
    plugin.wisp_report_formats = wisp_report_formats  # type: ignore[attr-defined]
    fresh_manager.register(plugin, name="wisp_acme")
    return plugin


def test_plugin_manager_is_built_once() -> None:
    assert plugin_manager() is plugin_manager()


def test_builtins_are_registered_under_their_module_names() -> None:
    pm = plugin_manager()

    for name in BUILTINS:
        assert pm.has_plugin(name), name
    assert pm.project_name == hookspecs.PROJECT


@pytest.mark.parametrize("hook", ["wisp_detectors", "wisp_extractors", "wisp_report_formats"])
def test_every_hook_is_declared(hook: str) -> None:
    caller = getattr(plugin_manager().hook, hook)

    assert caller.spec is not None
    assert caller.get_hookimpls()


def test_builtin_detectors() -> None:
    classes: tuple[type, ...] = detector_classes()

    assert classes == (
        SsnDetector,
        CreditCardDetector,
        DriverLicenseDetector,
        BankNumberDetector,
        PersonDetector,
    )
    entities = [c.ENTITY for c in classes if issubclass(c, Detector)]
    assert entities == list(ELEMENT_TYPES)
    assert [c for c in classes if issubclass(c, NameDetector)] == [PersonDetector]


def test_detector_classes_are_the_detectors_their_annotation_promises() -> None:
    assert [c for c in detector_classes() if not issubclass(c, Detector | NameDetector)] == []


def test_builtin_extractors() -> None:
    classes = extractor_classes()

    for cls in (PdfExtractor, DocxExtractor, ZipExtractor, TextExtractor):
        assert cls in classes
    assert all(issubclass(c, Extractor) for c in classes)
    formats = [c.FORMAT for c in classes]
    assert len(formats) == len(set(formats))
    # Plain text is the last resort of content sniffing.
    assert classes[-1] is TextExtractor


def test_builtin_renderers() -> None:
    classes = renderer_classes()

    assert classes[0] is JsonRenderer
    assert {c.FORMAT for c in classes} == {"json", "jsonl", "csv", "sarif", "html", "table"}
    assert all(issubclass(c, Renderer) for c in classes)


def test_third_party_plugin_comes_after_the_builtins(acme: types.ModuleType) -> None:
    detectors: tuple[type, ...] = detector_classes()
    renderers = renderer_classes()

    assert detectors[:5] == (
        SsnDetector,
        CreditCardDetector,
        DriverLicenseDetector,
        BankNumberDetector,
        PersonDetector,
    )
    assert detectors[5:] == (AcmeIdDetector,)
    assert renderers[-1] is UpperRenderer
    assert renderers[0] is JsonRenderer


def test_third_party_detector_finds_its_element(acme: types.ModuleType) -> None:
    scanner = FileScanner(bytes(32), LIMITS, frozenset())
    outcome = Outcome([], [])

    scanner.scan_bytes("members.csv", b"name,member id\nJohn Smith,ACME-123456\n", 0, outcome)

    (result,) = outcome.results
    assert result.elements["ACME_ID"] == 1
    assert result.contains_pi is True
    assert [f.masked for f in result.findings] == ["****-**3456"]


def test_third_party_renderer_renders(acme: types.ModuleType) -> None:
    renderer = next(c for c in renderer_classes() if c.FORMAT == "paths-upper")
    out = io.StringIO()

    renderer().render(ScanReport(root="x", files=[FileResult("hr/a.csv", "csv", 1)]), out)

    assert out.getvalue() == "HR/A.CSV\n"


def test_clearing_the_cache_drops_runtime_plugins(acme: types.ModuleType) -> None:
    assert AcmeIdDetector in detector_classes()

    plugin_manager.cache_clear()

    assert AcmeIdDetector not in detector_classes()
