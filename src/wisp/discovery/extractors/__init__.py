"""The built-in extractors, registered through the same hook a third-party plugin uses.

Order matters twice: an extension claimed by two extractors goes to the earlier one, and
content sniffing tries them in this order.
"""

from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.structured import CsvExtractor, JsonExtractor, XmlExtractor
from wisp.discovery.extractors.text import HtmlExtractor, TextExtractor
from wisp.hookspecs import hookimpl

__all__ = ["ExtractContext", "Extractor", "wisp_extractors"]


@hookimpl  # type: ignore[untyped-decorator,misc]
def wisp_extractors() -> list[type[Extractor]]:
    return [
        CsvExtractor,
        JsonExtractor,
        XmlExtractor,
        HtmlExtractor,
        TextExtractor,
    ]
