"""The labeled corpus itself: deterministic, covering every format and pattern, its valid
values valid by the issuers' rules and its near misses invalid, its labels true to the files."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from corpus import ELEMENT_TYPES, Corpus, build_corpus
from corpus_values import Values, aba_ok, luhn_ok, ssn_ok

_TEXT = ("csv", "tsv", "txt", "log", "md", "json", "jsonl", "xml", "html")
_FORMATS = {
    *_TEXT,
    "docx",
    "xlsx",
    "pptx",
    "pdf",
    "eml",
    "mbox",
    "zip",
    "tar",
    "tar.gz",
    "gz",
    "asc",
    "tar.gpg",
    "age",
}
_ISSUERS = {
    "visa": (r"4", (16,)),
    "mastercard": (r"5[1-5]", (16,)),
    "mastercard2": (r"2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)", (16,)),
    "amex": (r"3[47]", (15,)),
    "discover": (r"6011|64[4-9]|65", (16,)),
    "jcb": (r"35(?:2[89]|[3-8]\d)", (16,)),
    "diners": (r"30[0-5]|36", (14,)),
    "unionpay19": (r"62", (19,)),
}


@pytest.fixture(scope="module")
def values() -> Values:
    return Values(random.Random(7))


# Failures report how many values broke a rule, never the values themselves.


def test_valid_ssns_follow_ssa_rules(values: Values) -> None:
    for style, sep in (("dashed", "-"), ("spaced", " "), ("bare", "")):
        raws = [values.ssn(style) for _ in range(300)]
        shape = re.compile(rf"\d{{3}}{sep}\d{{2}}{sep}\d{{4}}")
        misshapen = sum(1 for raw in raws if not shape.fullmatch(raw))
        unissued = sum(1 for raw in raws if not ssn_ok(raw.replace(sep, "") if sep else raw))
        assert (misshapen, unissued) == (0, 0), style


@pytest.mark.parametrize(
    "kind", ["area000", "area666", "area9xx", "group00", "serial0000", "voided"]
)
def test_invalid_ssns_break_the_rule_they_name(values: Values, kind: str) -> None:
    valid = sum(1 for _ in range(50) if ssn_ok(values.invalid_ssn(kind).replace("-", "")))
    assert valid == 0


@pytest.mark.parametrize("brand", sorted(_ISSUERS))
def test_cards_are_in_issuer_ranges_with_a_luhn_digit(values: Values, brand: str) -> None:
    prefix, lengths = _ISSUERS[brand]
    numbers = [re.sub(r"[ -]", "", values.card(brand)[0]) for _ in range(100)]
    wrong_length = sum(1 for d in numbers if len(d) not in lengths)
    wrong_range = sum(1 for d in numbers if not re.match(prefix, d))
    bad_check = sum(1 for d in numbers if not luhn_ok(d))
    assert (wrong_length, wrong_range, bad_check) == (0, 0, 0)


def test_luhn_rejects_one_digit_changes() -> None:
    assert luhn_ok("4556737586899855")
    assert not luhn_ok("4556737586899856")


def test_order_numbers_fail_luhn(values: Values) -> None:
    numbers = [values.order_number() for _ in range(500)]
    bad = sum(1 for n in numbers if len(n) != 16 or not n.isdigit() or luhn_ok(n))
    assert bad == 0


def test_routing_numbers_have_a_valid_aba_checksum(values: Values) -> None:
    assert aba_ok("011000015")
    assert not aba_ok("011000016")
    bad = sum(1 for _ in range(300) if not aba_ok(values.routing()))
    assert bad == 0


def test_licenses_are_massachusetts_shapes(values: Values) -> None:
    bad = sum(1 for _ in range(200) if not re.fullmatch(r"S\d{8}|SA\d{7}", values.license()))
    assert bad == 0


def test_corpus_covers_every_format_with_enough_files(corpus: Corpus) -> None:
    assert set(corpus.formats) >= _FORMATS, sorted(_FORMATS - set(corpus.formats))
    assert sum(corpus.formats.values()) >= 150
    assert len(corpus.labels) >= 150
    assert any("!" in p and p.count("!") >= 2 for p in corpus.labels), "no nested archive member"


def test_labels_mix_positives_negatives_and_every_element_type(corpus: Corpus) -> None:
    labels = list(corpus.labels.values())
    positives = sum(x.contains_pi for x in labels)
    assert 0.3 < positives / len(labels) < 0.7
    for t in ELEMENT_TYPES:
        assert sum(x.elements[t] for x in labels) >= 40, t
    # Elements without a name: files with elements that are not PI.
    assert sum(1 for x in labels if x.total and not x.contains_pi) >= 10
    # Names and near misses without elements.
    assert sum(1 for x in labels if not x.total and not x.encrypted) >= 40


def test_labels_are_consistent(corpus: Corpus) -> None:
    for path, label in corpus.labels.items():
        assert not (label.contains_pi and not label.total), path
        if label.encrypted:
            assert not label.contains_pi, path
            assert not label.total, path
    assert sum(x.encrypted for x in corpus.labels.values()) >= 7


def test_text_files_hold_exactly_the_labeled_element_count(corpus: Corpus) -> None:
    """Every counted value is in the file once, and no other generated value is."""
    wrong = []
    for path, label in corpus.labels.items():
        if "!" in path or label.format not in _TEXT:
            continue
        text = (corpus.root / path).read_text()
        found = sum(text.count(v) for v in corpus.values)
        if found != label.total:
            wrong.append(f"{path}: labeled {label.total}, holds {found}")
    assert not wrong, "\n".join(wrong)


def test_corpus_is_deterministic(corpus: Corpus, tmp_path: Path) -> None:
    again = build_corpus(tmp_path / "again")
    assert again.labels == corpus.labels
    assert len(again.values ^ corpus.values) == 0
    changed = [
        path
        for path, label in corpus.labels.items()
        if "!" not in path
        and label.format in _TEXT
        and (tmp_path / "again" / path).read_bytes() != (corpus.root / path).read_bytes()
    ]
    assert not changed


def test_another_seed_writes_another_corpus(corpus: Corpus, tmp_path: Path) -> None:
    other = build_corpus(tmp_path / "other", seed=99)
    assert set(other.labels) == set(corpus.labels)
    assert len(other.values & corpus.values) == 0
