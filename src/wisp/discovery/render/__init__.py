"""The built-in report formats, registered through the same hook a plugin uses."""

from wisp.discovery.render.base import Renderer
from wisp.discovery.render.json import JsonRenderer
from wisp.hookspecs import hookimpl

__all__ = ["Renderer", "wisp_report_formats"]


@hookimpl  # type: ignore[untyped-decorator,misc]
def wisp_report_formats() -> list[type[Renderer]]:
    return [JsonRenderer]
