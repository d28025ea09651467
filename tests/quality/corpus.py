"""A labeled corpus for measuring wisp's precision and recall: `build_corpus(root)`.

It writes an office's worth of files (HR rosters, payroll, letters, logs, exports, mail,
archives, encrypted files) and returns, for every path a scan reports (`a.zip!b.csv` for
members), whether it holds 17.02 personal information, whether it is encrypted, and how many
elements of each type it holds. Containers whose member names are the extractor's choice
(mbox messages, a .gz's single file, a password-protected zip) are labeled as one file.

Labels follow the regulation, not the detector: an element counts wherever it is (a name
need not be beside it), and a file holds PI only where a name and an element belong to the
same person. Routing numbers count as US_BANK_NUMBER (see `Doc.routing`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus_render as out
from corpus_docs import ELEMENT_TYPES, Doc
from corpus_prose import LOG_SCENARIOS, PROSE_SCENARIOS
from corpus_tables import RECORD_SCENARIOS, SSN_HEADERS, TABLE_SCENARIOS
from corpus_values import Values

__all__ = ["ELEMENT_TYPES", "Corpus", "Label", "build_corpus"]

SEED = 17_02

_SCENARIOS: dict[str, Callable[..., None]] = {
    **TABLE_SCENARIOS,
    **RECORD_SCENARIOS,
    **PROSE_SCENARIOS,
    **LOG_SCENARIOS,
}


@dataclass(frozen=True)
class Label:
    """What a correct scan says about one reported path."""

    contains_pi: bool
    elements: Mapping[str, int]
    encrypted: bool = False
    #: The file's format as its extension names it (for grouping misses by type).
    format: str = ""
    #: The scenario that wrote it (for grouping misses by pattern).
    scenario: str = ""

    @property
    def total(self) -> int:
        return sum(self.elements.values())


@dataclass(frozen=True, repr=False)
class Corpus:
    """The files under `root`, the labels of every reported path, and the raw values that a
    report must never show: every valid element as written, and every full name."""

    root: Path
    labels: Mapping[str, Label]
    values: frozenset[str]
    names: frozenset[str]
    #: Top-level files per format, for coverage checks.
    formats: Mapping[str, int] = field(default_factory=dict)

    @property
    def secrets(self) -> frozenset[str]:
        return self.values | self.names

    def __repr__(self) -> str:
        # Counts only: a failing test's traceback shows its arguments, and these hold values.
        return (
            f"Corpus({len(self.labels)} labels, {len(self.values)} values, {len(self.names)} names)"
        )


@dataclass
class _Packed:
    """A file's bytes and its labels: "" for the file itself, "m" or "m!n" for members."""

    data: bytes
    labels: dict[str, Label]


def _zero() -> dict[str, int]:
    return dict.fromkeys(ELEMENT_TYPES, 0)


def _merged(labels: Iterable[Label], fmt: str, scenario: str) -> Label:
    """One label for a container scanned as one file: PI if any part has PI."""
    labels = list(labels)
    counts = _zero()
    for label in labels:
        for t, n in label.elements.items():
            counts[t] += n
    return Label(any(x.contains_pi for x in labels), counts, False, fmt, scenario)


def _ext(name: str) -> str:
    lower = name.lower()
    for compound in ("tar.gz", "tar.gpg"):
        if lower.endswith("." + compound):
            return compound
    return lower.rsplit(".", 1)[-1]


class _Builder:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.values = Values(self.rng)
        self.labels: dict[str, Label] = {}
        self.formats: dict[str, int] = {}

    def doc(self, scenario: str, **kw: Any) -> Doc:
        doc = Doc(self.values)
        _SCENARIOS[scenario](doc, **kw)
        return doc

    def pack(self, name: str, scenario: str, **kw: Any) -> _Packed:
        fmt = _ext(name)
        doc = self.doc(scenario, **kw)
        label = Label(doc.pi, doc.counts(), False, fmt, scenario)
        return _Packed(out.render(fmt, doc), {"": label})

    def put(self, rel: str, packed: _Packed) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(packed.data)
        self.claim(rel, packed.labels)

    def claim(self, rel: str, labels: Mapping[str, Label]) -> None:
        for sub, label in labels.items():
            key = f"{rel}!{sub}" if sub else rel
            assert key not in self.labels, f"duplicate label {key}"
            self.labels[key] = label
        fmt = _ext(rel)
        self.formats[fmt] = self.formats.get(fmt, 0) + 1

    def file(self, rel: str, scenario: str, **kw: Any) -> None:
        self.put(rel, self.pack(rel.rsplit("/", 1)[-1], scenario, **kw))

    def members(
        self, parts: Iterable[tuple[str, _Packed]]
    ) -> tuple[list[tuple[str, bytes]], dict[str, Label]]:
        files, labels = [], {}
        for name, packed in parts:
            files.append((name, packed.data))
            for sub, label in packed.labels.items():
                labels[f"{name}!{sub}" if sub else name] = label
        return files, labels

    def zip(self, parts: Iterable[tuple[str, _Packed]]) -> _Packed:
        files, labels = self.members(parts)
        return _Packed(out.zip_of(files), labels)

    def tar(self, parts: Iterable[tuple[str, _Packed]], compress: bool) -> _Packed:
        files, labels = self.members(parts)
        return _Packed(out.tar(files, compress), labels)

    def mail(
        self, subject: str, body: str, attachments: Iterable[tuple[str, _Packed]] = (), **kw: Any
    ) -> _Packed:
        doc = self.doc(body, **kw)
        files, labels = self.members(attachments)
        labels[""] = Label(doc.pi, doc.counts(), False, "eml", body)
        sender, to = self.values.person(), self.values.person()
        data = out.eml(
            f"{sender.login}@example.com", f"{to.login}@example.com", subject, doc, files
        )
        return _Packed(data, labels)

    def outlook(
        self, subject: str, body: str, attachments: Iterable[tuple[str, _Packed]] = ()
    ) -> _Packed:
        doc = self.doc(body)
        files, labels = self.members(attachments)
        labels[""] = Label(doc.pi, doc.counts(), False, "msg", body)
        sender, to = self.values.person(), self.values.person()
        data = out.msg(
            f"{sender.login}@example.com", f"{to.login}@example.com", subject, doc, files
        )
        return _Packed(data, labels)

    def sealed(self, rel: str, data: bytes, scenario: str) -> None:
        label = Label(False, _zero(), True, _ext(rel), scenario)
        self.put(rel, _Packed(data, {"": label}))


_Plain = tuple[str, str, dict[str, Any]]


def _each(pattern: str, exts: str, scenario: str, **kw: Any) -> list[_Plain]:
    """The same scenario written once per format (each file gets its own people and values)."""
    return [(pattern.format(ext), scenario, kw) for ext in exts.split()]


_SSN_ROSTERS: list[_Plain] = [
    (f"hr/roster-{i + 1}.csv", "roster_split", {"ssn_header": h, "names": i, "rare": i % 2 * 0.3})
    for i, h in enumerate(SSN_HEADERS)
]
#: Files written from one scenario each: (path, scenario, its arguments).
_PLAIN: list[_Plain] = [
    *_SSN_ROSTERS,
    ("hr/roster-7.tsv", "roster_split", {"ssn_header": "soc_sec_no", "names": 3}),
    ("hr/roster-8.xlsx", "roster_split", {"ssn_header": "Social Security Number", "rare": 0.3}),
    ("hr/roster.txt", "roster_split", {"ssn_header": "SSN", "names": 1}),
    ("hr/roster.html", "roster_split", {"ssn_header": "Social Security Number", "names": 2}),
    ("hr/roster.pdf", "roster_split", {"ssn_header": "SSN"}),
    ("hr/roster-9.xls", "roster_split", {"ssn_header": "SSN", "names": 4}),
    ("hr/new-hires.pptx", "roster_split", {"ssn_header": "SSN"}),
    ("hr/drivers.csv", "roster_full", {"dl_header": "DL#", "rare": 0.3}),
    (
        "hr/drivers-2.csv",
        "roster_full",
        {"name_header": "Name", "style": "last_first", "dl_header": "Driver's License No."},
    ),
    (
        "hr/drivers-3.tsv",
        "roster_full",
        {"name_header": "Driver", "style": "initial", "dl_header": "License Number"},
    ),
    (
        "hr/drivers.xlsx",
        "roster_full",
        {"name_header": "Full Name", "style": "middle", "dl_header": "Lic #"},
    ),
    ("hr/drivers.md", "roster_full", {"name_header": "Name", "dl_header": "DL#"}),
    (
        "hr/drivers.docx",
        "roster_full",
        {"name_header": "Employee", "dl_header": "Driver's License"},
    ),
    *_each("hr/benefits.{}", "csv xlsx", "benefits"),
    *_each("hr/background-checks.{}", "csv xlsx", "mixed"),
    ("hr/payroll-numeric.xlsx", "numeric_ssn", {}),
    *_each("hr/letters/license-1.{}", "docx txt html", "letter_license", shape="salutation"),
    *_each("hr/letters/license-2.{}", "docx txt", "letter_license", shape="address"),
    *_each("hr/letters/license-3.{}", "docx txt pdf", "letter_license", shape="sentence"),
    *_each("hr/notes/onboarding-1.{}", "txt docx", "hr_note"),
    *_each("hr/notes/onboarding-2.{}", "txt md pdf", "hr_note", rare=True),
    *_each("hr/notes/w4-followup.{}", "txt docx", "initial_ssn"),
    # HR files without personal information.
    *_each("hr/directory.{}", "csv tsv xlsx html pptx txt", "staff_directory"),
    *_each("hr/training-sample.{}", "csv xlsx txt", "invalid_ssns"),
    *_each("hr/audit-sample.{}", "csv tsv", "ssn_only"),
    *_each("hr/audit-sample.{}", "txt pdf", "ssn_list"),
    *_each("hr/forms/new-employee.{}", "docx pdf html txt", "blank_form"),
    *_each("hr/contacts.{}", "csv xlsx docx", "contacts"),
    # Finance.
    *_each("finance/direct-deposit.{}", "csv xlsx html", "direct_deposit"),
    *_each("finance/direct-deposit-2.{}", "tsv xlsx", "direct_deposit", split=True),
    *_each("finance/cards.{}", "csv html xls", "cards_on_file"),
    ("finance/cards.tsv", "cards_on_file", {"name_header": "Cardholder", "style": "last_first"}),
    ("finance/cards.xlsx", "cards_on_file", {"name_header": "Cardholder"}),
    ("finance/cards.pdf", "cards_on_file", {"name_header": "Cardholder", "style": "upper"}),
    *_each("finance/card-authorization.{}", "txt pdf docx", "card_authorization"),
    *_each("finance/loan-application.{}", "txt pdf docx", "loan_application"),
    ("finance/deposit-change-1.txt", "deposit_request", {}),
    *_each("finance/deposit-change-2.{}", "txt docx", "deposit_request", signed=False),
    *_each("finance/statement-1.{}", "pdf txt", "statement"),
    *_each("finance/statement-2.{}", "pdf txt", "statement", inline=True),
    # Finance files without personal information.
    *_each("finance/orders.{}", "csv tsv xlsx xls pptx", "orders"),
    *_each("finance/payments.{}", "csv xlsx", "masked_cards"),
    *_each("finance/autopay.{}", "txt pdf", "masked_statement"),
    *_each("finance/invoice.{}", "txt docx pdf", "invoice_remittance"),
    *_each("finance/order-confirmation.{}", "txt docx pdf html", "order_confirmation"),
    *_each("finance/expenses.{}", "csv xlsx", "gl_expenses"),
    ("finance/tax-clients.csv", "itins", {}),
    *_each("finance/shipping.{}", "csv xlsx", "manifest"),
    # IT: logs, exports, configuration.
    *_each("it/logs/payroll-app{}.log", "-1 -2", "app_log_leak"),
    *_each("it/logs/gateway.{}", "log txt", "payment_log"),
    *_each("it/logs/access{}.log", "-1 -2", "access_log"),
    ("it/logs/auth.log", "auth_log", {}),
    ("it/logs/verify.log", "ssn_lookup_log", {}),
    *_each("it/assets.{}", "csv xlsx", "asset_tags"),
    *_each("it/export/employees.{}", "json xml jsonl", "people_flat"),
    ("it/export/employees-2.json", "people_flat", {"keys": "camel"}),
    ("it/export/employees-attr.xml", "people_flat", {"attributes": True}),
    *_each("it/export/hris.{}", "json xml", "company_nested"),
    ("it/export/people-api.json", "name_object", {}),
    *_each("it/export/customers.{}", "json jsonl", "customers_cards"),
    *_each("it/export/fleet.{}", "json xml", "drivers"),
    *_each("it/export/verify.{}", "json jsonl", "ssn_records"),
    *_each("it/export/orders.{}", "json jsonl xml", "orders_records"),
    *_each("it/export/users.{}", "json jsonl", "users_export"),
    *_each("it/config/timeclock.{}", "json xml", "app_config"),
    # Public: policy, minutes, newsletters.
    *_each("public/wisp-summary.{}", "txt md docx pdf html", "policy"),
    *_each("public/ops-meeting.{}", "txt md docx pptx", "meeting_notes"),
    *_each("public/newsletter-1.{}", "txt md pdf", "far_apart", element="card"),
    *_each("public/newsletter-2.{}", "txt docx html", "far_apart", element="ssn"),
]


def _mail(b: _Builder) -> None:
    for rel, subject, body, kw in (
        ("mail/new-hire.eml", "New hire paperwork", "new_hire_request", {}),
        ("mail/card-auth.eml", "Card authorization", "card_authorization", {}),
        ("mail/direct-deposit.eml", "Direct deposit change", "deposit_request", {}),
        ("mail/license.eml", "License on file", "letter_license", {"shape": "salutation"}),
        ("mail/meeting.eml", "Ops meeting notes", "meeting_notes", {}),
        ("mail/order.eml", "Your order", "order_confirmation", {}),
    ):
        b.put(rel, b.mail(subject, body, **kw))
    for rel, subject, body, files in (
        (
            "mail/roster-attached.eml",
            "Updated roster",
            "cover_note",
            [("roster.xlsx", "roster_split", {"ssn_header": "SSN"})],
        ),
        (
            "mail/statement-attached.eml",
            "Statement",
            "cover_note",
            [("statement.pdf", "statement", {"inline": True})],
        ),
        (
            "mail/directory-attached.eml",
            "Phone list",
            "cover_note",
            [("directory.csv", "staff_directory", {})],
        ),
        (
            "mail/onboarding-attached.eml",
            "Onboarding",
            "hr_note",
            [("letter.docx", "letter_license", {"shape": "sentence"})],
        ),
        (
            "mail/audit-attached.eml",
            "Audit files",
            "cover_note",
            [("policy.pdf", "policy", {}), ("audit.csv", "ssn_only", {})],
        ),
    ):
        b.put(rel, b.mail(subject, body, [(n, b.pack(n, s, **k)) for n, s, k in files]))
    b.put("mail/outlook/new-hire.msg", b.outlook("New hire", "new_hire_request"))
    b.put("mail/outlook/meeting.msg", b.outlook("Ops meeting", "meeting_notes"))
    b.put(
        "mail/outlook/roster.msg",
        b.outlook(
            "Roster",
            "cover_note",
            [
                (
                    "roster.csv",
                    b.pack("roster.csv", "roster_split", ssn_header="Social Security Number"),
                )
            ],
        ),
    )
    for rel, bodies in (
        ("mail/inbox.mbox", ("meeting_notes", "order_confirmation", "new_hire_request", "policy")),
        ("mail/newsletters.mbox", ("meeting_notes", "policy", "cover_note")),
    ):
        messages = [b.mail(f"Message {i + 1}", body) for i, body in enumerate(bodies)]
        out.mbox(b.root / rel, [m.data for m in messages])
        labels = [label for m in messages for label in m.labels.values()]
        b.claim(rel, {"": _merged(labels, "mbox", "+".join(bodies))})


def _zips(b: _Builder) -> None:
    p = b.pack
    b.put(
        "archive/export.zip",
        b.zip(
            [
                ("customers.json", p("customers.json", "customers_cards")),
                ("readme.txt", p("readme.txt", "cover_note")),
            ]
        ),
    )
    b.put(
        "archive/hr-backup.zip",
        b.zip(
            [
                (
                    "roster.csv",
                    p("roster.csv", "roster_split", ssn_header="Social Security Number"),
                ),
                ("letters/offer.docx", p("offer.docx", "letter_license", shape="sentence")),
                ("directory.csv", p("directory.csv", "staff_directory")),
            ]
        ),
    )
    b.put(
        "archive/reports.zip",
        b.zip(
            [
                ("orders.csv", p("orders.csv", "orders")),
                ("expenses.xlsx", p("expenses.xlsx", "gl_expenses")),
            ]
        ),
    )
    inner = b.zip(
        [
            ("deposit.xlsx", p("deposit.xlsx", "direct_deposit")),
            ("notes.txt", p("notes.txt", "meeting_notes")),
        ]
    )
    b.put(
        "archive/bundle.zip",
        b.zip(
            [
                ("manifest.txt", p("manifest.txt", "cover_note")),
                ("inner/payroll.zip", inner),
            ]
        ),
    )


def _tars(b: _Builder) -> None:
    p = b.pack
    b.put(
        "archive/records.tar",
        b.tar(
            [
                ("records/roster.tsv", p("roster.tsv", "roster_split", ssn_header="SSN")),
                ("records/notes.md", p("notes.md", "meeting_notes")),
            ],
            compress=False,
        ),
    )
    b.put(
        "archive/logs.tar.gz",
        b.tar(
            [
                ("logs/access.log", p("access.log", "access_log")),
                ("logs/payments.log", p("payments.log", "payment_log")),
            ],
            compress=True,
        ),
    )
    b.put(
        "archive/hr-2023.tar.gz",
        b.tar(
            [
                ("benefits.csv", p("benefits.csv", "benefits")),
                ("policy.txt", p("policy.txt", "policy")),
            ],
            compress=True,
        ),
    )
    for rel, scenario in (
        ("archive/roster.csv.gz", "roster_split"),
        ("archive/readme.md.gz", "policy"),
        ("archive/access.log.gz", "access_log"),
    ):
        packed = p(rel[:-3].rsplit("/", 1)[-1], scenario)
        label = _merged(packed.labels.values(), "gz", scenario)
        b.put(rel, _Packed(out.gz(packed.data), {"": label}))


def _sealed(b: _Builder) -> None:
    password = "Harbor-2024"
    members = [
        ("roster.csv", b.pack("roster.csv", "roster_split").data),
        ("deposit.xlsx", b.pack("deposit.xlsx", "direct_deposit").data),
    ]
    b.sealed(
        "secure/payroll-protected.zip",
        out.encrypted_zip(members, password.encode()),
        "encrypted zip",
    )
    b.sealed(
        "secure/statement-protected.pdf",
        out.encrypted_pdf(b.doc("statement"), password),
        "encrypted pdf",
    )
    b.sealed(
        "secure/salaries-protected.xlsx",
        out.encrypt_office(b.pack("s.xlsx", "roster_split").data, password),
        "encrypted xlsx",
    )
    b.sealed(
        "secure/offer-protected.docx",
        out.encrypt_office(b.pack("o.docx", "letter_license").data, password),
        "encrypted docx",
    )
    b.sealed("secure/message.asc", out.pgp_armored(b.rng), "pgp armored")
    b.sealed("secure/backup.tar.gpg", out.pgp_binary(b.rng), "pgp binary")
    b.sealed("secure/keys.age", out.age_file(b.rng), "age")
    # The same, written by the real tools (their output is random; their labels are not).
    b.sealed("secure/benefits.csv.age", out.age_encrypted(b.pack("b.csv", "benefits").data), "rage")
    b.sealed(
        "secure/roster.csv.asc",
        out.pgp_encrypted(b.pack("r.csv", "roster_split").data, password, armor=True),
        "sequoia armored",
    )
    b.sealed(
        "secure/cards.csv.pgp",
        out.pgp_encrypted(b.pack("c.csv", "cards_on_file").data, password, armor=False),
        "sequoia binary",
    )


def build_corpus(root: Path, seed: int = SEED) -> Corpus:
    """Write the corpus under `root` (which should be empty) and return its labels."""
    b = _Builder(root, seed)
    for rel, scenario, kw in _PLAIN:
        b.file(rel, scenario, **kw)
    for part in (_mail, _zips, _tars, _sealed):
        part(b)
    v = b.values
    return Corpus(root, dict(b.labels), frozenset(v.elements), frozenset(v.names), dict(b.formats))
