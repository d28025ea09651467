"""The built-in report formats, registered through the same hook a plugin uses."""

from wisp.discovery.render.base import Renderer
from wisp.discovery.render.csv import CsvRenderer
from wisp.discovery.render.html import HtmlRenderer
from wisp.discovery.render.json import JsonRenderer
from wisp.discovery.render.jsonl import JsonlRenderer
from wisp.discovery.render.sarif import SarifRenderer
from wisp.discovery.render.table import TableRenderer
from wisp.hookspecs import hookimpl

__all__ = ["Renderer", "wisp_report_formats"]


@hookimpl
def wisp_report_formats() -> list[type[Renderer]]:
    return [JsonRenderer, JsonlRenderer, CsvRenderer, SarifRenderer, HtmlRenderer, TableRenderer]
