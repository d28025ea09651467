"""Precision and recall of `wisp scan` on the labeled corpus: the 17.02 rule per file and the
element counts per type must both reach F1 >= 0.97; encrypted files must be reported as such;
and no raw value may reach the report. Failures list paths, types and counts, never values."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from corpus import Corpus
from corpus_score import Scores, figures, miss_lines, observe, score

from wisp.config import Settings
from wisp.discovery.render.json import report_to_dict
from wisp.discovery.scanner import ScanOptions, scan

FLOOR = 0.97


@dataclass(frozen=True, repr=False)
class Scanned:
    report: dict[str, Any]
    scores: Scores

    def __repr__(self) -> str:
        return f"Scanned({len(self.report['files'])} files, {len(self.scores.misses)} misses)"


@pytest.fixture(scope="session")
def scanned(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    home = tmp_path_factory.mktemp("home")
    report = scan([corpus.root], Settings(home=home), ScanOptions(workers=1))
    as_dict = report_to_dict(report)
    return Scanned(as_dict, score(corpus.labels, observe(as_dict, corpus.labels)))


def _explain(s: Scores, *, elements: bool) -> str:
    misses = [
        m for m in s.misses if (m.what != "contains_pi") == elements and m.what != "encrypted"
    ]
    return "\n".join([figures(s), *miss_lines(misses)])


def test_file_level_f1_meets_the_floor(scanned: Scanned) -> None:
    s = scanned.scores
    f1 = s.files.f1
    assert f1 >= FLOOR, _explain(s, elements=False)


def test_element_level_f1_meets_the_floor(scanned: Scanned) -> None:
    s = scanned.scores
    f1 = s.elements.f1
    assert f1 >= FLOOR, _explain(s, elements=True)


def test_encrypted_files_are_reported_encrypted_and_never_pi(
    corpus: Corpus, scanned: Scanned
) -> None:
    sealed = sorted(p for p, label in corpus.labels.items() if label.encrypted)
    assert len(sealed) >= 6
    seen = observe(scanned.report, corpus.labels)
    wrong = [
        f"{p}: encrypted={seen[p].encrypted} contains_pi={seen[p].contains_pi}"
        f"{' error: ' + '; '.join(seen[p].errors) if seen[p].errors else ''}"
        for p in sealed
        if not seen[p].encrypted or seen[p].contains_pi
    ]
    assert not wrong, "\n".join(wrong)
    plain = [
        p
        for p, o in seen.items()
        if o.encrypted and not (p in corpus.labels and corpus.labels[p].encrypted)
    ]
    assert not plain, f"reported encrypted but not encrypted: {plain}"


def test_every_labeled_file_appears_in_the_report(corpus: Corpus, scanned: Scanned) -> None:
    seen = observe(scanned.report, corpus.labels)
    missing = sorted(p for p in corpus.labels if not seen[p].entries)
    reasons = [f"{p}: {'; '.join(seen[p].errors) or 'not reported'}" for p in missing]
    assert not missing, f"{len(missing)} labeled paths have no report entry:\n" + "\n".join(reasons)


def test_no_raw_value_reaches_the_report(corpus: Corpus, scanned: Scanned) -> None:
    text = json.dumps(scanned.report)
    digits = {re.sub(r"\D", "", v) for v in corpus.values}
    needles = corpus.secrets | {d for d in digits if len(d) >= 9}
    leaked = sum(1 for n in needles if n in text)
    assert leaked == 0, f"{leaked} of {len(needles)} generated raw values appear in the report"
    # The check can fail: the same needles are found in the files that hold them.
    assert (
        sum(1 for n in corpus.values if n in (corpus.root / "hr" / "roster-1.csv").read_text()) > 0
    )


def test_scores_are_measured_on_the_whole_corpus(corpus: Corpus, scanned: Scanned) -> None:
    s = scanned.scores
    assert s.labeled == len(corpus.labels) >= 150
    assert s.files.tp + s.files.fn == s.positives > 50
    assert s.elements.tp + s.elements.fn == sum(label.total for label in corpus.labels.values())
    assert Path(scanned.report["files"][0]["path"]).parts[0] in {
        "archive",
        "finance",
        "hr",
        "it",
        "mail",
        "public",
        "secure",
    }
