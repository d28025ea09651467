"""The built-in extractors, registered through the same hook a third-party plugin uses.

Order matters twice: an extension claimed by two extractors goes to the earlier one, and
content sniffing tries them in this order.
"""

from wisp.discovery.extractors.archive import (
    Bzip2Extractor,
    GzipExtractor,
    TarExtractor,
    XzExtractor,
    ZipExtractor,
)
from wisp.discovery.extractors.base import ExtractContext, Extractor
from wisp.discovery.extractors.mail import EmlExtractor, MboxExtractor, MsgExtractor
from wisp.discovery.extractors.office import DocExtractor, DocxExtractor, PptxExtractor
from wisp.discovery.extractors.pdf import PdfExtractor
from wisp.discovery.extractors.sealed import AgeExtractor, PgpExtractor
from wisp.discovery.extractors.spreadsheet import OdsExtractor, SpreadsheetExtractor, XlsExtractor
from wisp.discovery.extractors.structured import CsvExtractor, JsonExtractor, XmlExtractor
from wisp.discovery.extractors.text import HtmlExtractor, TextExtractor
from wisp.hookspecs import hookimpl

__all__ = ["ExtractContext", "Extractor", "wisp_extractors"]


@hookimpl
def wisp_extractors() -> list[type[Extractor]]:
    return [
        PgpExtractor,
        AgeExtractor,
        MboxExtractor,
        EmlExtractor,
        MsgExtractor,
        ZipExtractor,
        TarExtractor,
        GzipExtractor,
        Bzip2Extractor,
        XzExtractor,
        PdfExtractor,
        DocxExtractor,
        PptxExtractor,
        SpreadsheetExtractor,
        XlsExtractor,
        OdsExtractor,
        DocExtractor,
        CsvExtractor,
        JsonExtractor,
        XmlExtractor,
        HtmlExtractor,
        TextExtractor,
    ]
