"""The plugin manager: built-in plugins first, then those in the `wisp` entry-point group."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypeVar

import pluggy

from wisp import hookspecs

if TYPE_CHECKING:
    from wisp.discovery.detectors.base import Detector, NameDetector
    from wisp.discovery.extractors.base import Extractor
    from wisp.discovery.render.base import Renderer

__all__ = ["detector_classes", "extractor_classes", "plugin_manager", "renderer_classes"]

_BUILTINS = (
    "wisp.discovery.detectors",
    "wisp.discovery.extractors",
    "wisp.discovery.render",
    "wisp.vault",
)


@functools.cache
def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built on first use."""
    import importlib

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in _BUILTINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    return pm


_T = TypeVar("_T")


def _flatten(groups: list[list[_T]]) -> tuple[_T, ...]:
    # pluggy calls the most recently registered plugin first; reverse so built-ins come first.
    return tuple(item for group in reversed(groups) for item in group)


def detector_classes() -> tuple[type[Detector] | type[NameDetector], ...]:
    """Every registered detector class (element and name detectors), built-ins first."""
    return _flatten(plugin_manager().hook.wisp_detectors())


def extractor_classes() -> tuple[type[Extractor], ...]:
    """Every registered extractor class, built-ins first."""
    return _flatten(plugin_manager().hook.wisp_extractors())


def renderer_classes() -> tuple[type[Renderer], ...]:
    """Every registered report renderer class, built-ins first."""
    return _flatten(plugin_manager().hook.wisp_report_formats())
