"""wisp's extension points, declared once; built-ins register through the same hooks.

A third party ships a module with `@hookimpl` functions and names it in the `wisp` entry-point
group; it can then add a detector (another state's license format), an extractor or a report
format without a fork.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from wisp.discovery.detectors.base import Detector, NameDetector
    from wisp.discovery.extractors.base import Extractor
    from wisp.discovery.render.base import Renderer
    from wisp.vault.keys import KeyProvider

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "wisp"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def wisp_detectors() -> list[type[Detector] | type[NameDetector]]:
    """Detector classes this plugin adds: element detectors and name detectors."""
    raise NotImplementedError


@hookspec
def wisp_extractors() -> list[type[Extractor]]:
    """Extractor classes this plugin adds; earlier plugins win a tie on extension."""
    raise NotImplementedError


@hookspec
def wisp_report_formats() -> list[type[Renderer]]:
    """Report renderers this plugin adds (`--format NAME`)."""
    raise NotImplementedError


@hookspec
def wisp_key_providers() -> list[type[KeyProvider]]:
    """Vault key providers this plugin adds (HashiCorp Vault transit, a cloud KMS), by `NAME`."""
    raise NotImplementedError
