"""Seeded generators for the speed bench's three data sets: sparse text, a dense CSV, documents.

Run `python bench/data.py` to (re)make them under bench/out/data; `ensure()` reuses a set whose
stamp matches its parameters, so a second bench run does not regenerate ~130 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "DATASETS",
    "Dataset",
    "aba_check_digit",
    "ensure",
    "luhn_complete",
    "make_csv",
    "make_docs",
    "make_text",
    "ssn",
]

#: Bump when a generator's output changes, so stale data sets are remade.
VERSION = 5
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "data"
SEED = 17_02

#: Full-scale sizes; `--scale` multiplies them.
TEXT_BYTES = 100_000_000
TEXT_FILES = 16
TEXT_PI_EVERY = 100_000
CSV_BYTES = 32_000_000
CSV_FILES = 4
DOC_COUNT = 300

DATASETS = ("text", "csv", "docs")
_FIXED_TIME = dt.datetime(2024, 6, 1, 12, 0, 0)


@dataclass(frozen=True)
class Dataset:
    """One generated data set: its folder, file count, total bytes, and files planted with PI."""

    name: str
    path: Path
    files: int
    bytes: int
    pi_files: int


# --------------------------------------------------------------------------- valid values


def ssn(rng: random.Random) -> str:
    """An SSN the SSA could have issued: area 001-899 less 666, group and serial not zero."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


_ABA_PREFIXES = [f"{n:02d}" for n in range(1, 13)] + [str(n) for n in range(21, 33)]


def aba_check_digit(eight: str) -> str:
    """The ninth digit that makes `eight` pass the ABA 3-7-1 checksum."""
    d = [int(c) for c in eight]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return str(-total % 10)


def routing(rng: random.Random) -> str:
    eight = rng.choice(_ABA_PREFIXES) + "".join(rng.choices("0123456789", k=6))
    return eight + aba_check_digit(eight)


def luhn_complete(body: str) -> str:
    """`body` plus the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return body + str(-total % 10)


_CARD_PREFIXES = (("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("37", 15))


def card(rng: random.Random) -> str:
    """A Luhn-valid Visa, Mastercard or Amex number, grouped as printed on the card."""
    prefix, length = rng.choice(_CARD_PREFIXES)
    body = prefix + "".join(rng.choices("0123456789", k=length - len(prefix) - 1))
    number = luhn_complete(body)
    sep = rng.choice(("", " ", "-"))
    if length == 15:
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def account(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=rng.randint(7, 11)))


def license_no(rng: random.Random) -> str:
    return "S" + "".join(rng.choices("0123456789", k=8))


# --------------------------------------------------------------------------- everyday values


def _bars(text: str) -> tuple[str, ...]:
    """A word list written as one "a|b|c" string, which reads better than 15 lines of tuple."""
    return tuple(text.split("|"))


def _census(file: str, top: int) -> list[str]:
    text = resources.files("names").joinpath(file).read_text(encoding="ascii")
    return [line.split(None, 1)[0].title() for line in text.splitlines()[:top] if line]


FIRST = _census("dist.male.first", 400) + _census("dist.female.first", 600)
LAST = _census("dist.all.last", 2000)
CITIES = (
    ("Boston", "MA", "021"),
    ("Cambridge", "MA", "021"),
    ("Worcester", "MA", "016"),
    ("Springfield", "MA", "011"),
    ("Lowell", "MA", "018"),
    ("Quincy", "MA", "021"),
    ("Providence", "RI", "029"),
    ("Nashua", "NH", "030"),
    ("Hartford", "CT", "061"),
    ("Albany", "NY", "122"),
)
STREETS = _bars(
    "Main St|Elm St|Washington St|Beacon St|Oak Ave|Maple Rd|Park Dr|Pleasant St|"
    "Highland Ave|Summer St|Centre St|School St"
)
DEPARTMENTS = _bars(
    "Finance|Sales|Operations|Engineering|Customer Support|Legal|Human Resources|"
    "Facilities|Marketing|Warehouse|IT"
)
TITLES = _bars(
    "Analyst|Senior Analyst|Manager|Director|Associate|Coordinator|Specialist|Engineer|"
    "Machine Operator|Forklift Operator|Clerk|Account Executive|Administrator|Technician|"
    "Driver"
)
PRODUCTS = _bars(
    "toner cartridges|standing desks|laptop docks|safety gloves|pallet wrap|"
    "label printers|office chairs|network switches|shipping cartons|monitors"
)
VENDORS = _bars(
    "Acme Supply|Northeast Office|Bay State Paper|Granite Logistics|Harbor Electric|"
    "Pioneer Freight|Summit Software|Colonial Cleaning"
)


def name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def day(rng: random.Random) -> dt.date:
    return dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 2000))


def when(rng: random.Random) -> str:
    d = day(rng)
    style = rng.randint(0, 2)
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d:%B} {d.day}, {d.year}"
    return d.strftime("%m/%d/%Y")


def phone(rng: random.Random) -> str:
    area = rng.choice(("617", "508", "781", "978", "413", "774", "339", "857"))
    tail = f"{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    return f"({area}) {tail}" if rng.random() < 0.5 else f"{area}-{tail}"


def amount(rng: random.Random) -> str:
    return f"${rng.randint(5, 250_000) / 100 * rng.choice((1, 10, 100)):,.2f}"


def _zip(rng: random.Random, prefix: str) -> str:
    return prefix + f"{rng.randint(1, 99):02d}"


def order_no(rng: random.Random) -> str:
    return rng.choice(("PO-", "SO-", "INV-2024-", "#")) + str(rng.randint(10_000, 9_999_999))


# --------------------------------------------------------------------------- (a) sparse text

_PROSE = (
    "The quarterly review moved to the large conference room on the third floor.",
    "Facilities asked that everyone clear their desks before the carpet cleaning on Friday.",
    "We are still waiting on the revised quote from {vendor} for {product}.",
    "Shipping confirmed that {n} cartons left the dock this morning.",
    "Please remember to submit expense reports by the last business day of the month.",
    "The new badge readers go live next week; temporary badges are at the front desk.",
    "Our {dept} team closed {n} tickets last week, up from the week before.",
    "{vendor} raised their prices by {pct} percent starting next quarter.",
    "The client asked whether we can split the delivery across two sites.",
    "I attached the updated schedule; changes are highlighted in yellow.",
    "Budget approval for the {product} refresh is pending with Finance.",
    "The parking lot will be repaved over the holiday weekend.",
    "Let me know if the numbers in the summary tab look off to you.",
    "The warehouse inventory count is scheduled for {date}.",
    "Training on the new ticketing system is mandatory for all {dept} staff.",
    "We should revisit the service level agreement before the renewal in {month}.",
    "The printer on the second floor is out of {product} again.",
    "Customer satisfaction scores held steady at {pct} percent this month.",
)
_MONTHS = _bars(
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")
_EVENTS = _bars(
    "order.created|order.shipped|invoice.sent|payment.received|user.login|"
    "report.generated|sync.completed|cache.miss|export.finished"
)


def _prose(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        out.append(
            rng.choice(_PROSE).format(
                vendor=rng.choice(VENDORS),
                product=rng.choice(PRODUCTS),
                n=rng.randint(2, 400),
                pct=rng.randint(2, 40),
                dept=rng.choice(DEPARTMENTS),
                date=when(rng),
                month=rng.choice(_MONTHS),
            )
        )
    return " ".join(out)


def _email(rng: random.Random) -> str:
    sender, to = name(rng), rng.choice(FIRST)
    city, _state, prefix = rng.choice(CITIES)
    return (
        f"From: {sender.lower().replace(' ', '.')}@example.com\n"
        f"To: {to.lower()}@example.com\nDate: {when(rng)}\n"
        f"Subject: Re: order {order_no(rng)}\n\n"
        f"Hi {to},\n\n"
        f"Following up on order {order_no(rng)} placed {when(rng)}. The total came to "
        f"{amount(rng)} and it should reach our {city} office ({_zip(rng, prefix)}) by "
        f"{when(rng)}. {_prose(rng, rng.randint(1, 4))}\n\n"
        f"{_prose(rng, rng.randint(1, 3))} Call me at {phone(rng)} if anything changes.\n\n"
        f"Thanks,\n{sender}\n{rng.choice(TITLES)}, {rng.choice(DEPARTMENTS)}\n\n"
    )


def _note(rng: random.Random) -> str:
    lines = [f"Meeting notes - {rng.choice(DEPARTMENTS)} - {when(rng)}", ""]
    for _ in range(rng.randint(3, 7)):
        lines.append(f"- {_prose(rng, 1)}")
    lines.append(
        f"- Action: {rng.choice(FIRST)} to follow up with {rng.choice(VENDORS)} "
        f"about invoice {order_no(rng)} ({amount(rng)})."
    )
    return "\n".join(lines) + "\n\n"


def _log(rng: random.Random) -> str:
    t = dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randint(0, 30_000_000))
    lines = []
    for _ in range(rng.randint(10, 40)):
        t += dt.timedelta(milliseconds=rng.randint(1, 5000))
        lines.append(
            f"{t.isoformat(timespec='milliseconds')}Z {rng.choice(_LEVELS):5} "
            f"[worker-{rng.randint(1, 8)}] {rng.choice(_EVENTS)} id={order_no(rng)} "
            f"amount={rng.randint(100, 999_999) / 100:.2f} zip={rng.randint(1001, 99950):05d} "
            f"latency_ms={rng.randint(1, 900)} req={rng.getrandbits(64):016x}"
        )
    return "\n".join(lines) + "\n\n"


def _pi_paragraph(rng: random.Random) -> str:
    who = name(rng)
    kind = rng.randint(0, 3)
    if kind == 0:
        return (
            f"Per HR, the W-4 for {who} still shows SSN {ssn(rng)}; please confirm the "
            f"withholding before {when(rng)}.\n\n"
        )
    if kind == 1:
        return (
            f"{who} called to dispute a charge of {amount(rng)} on card {card(rng)} "
            f"(exp {rng.randint(1, 12):02d}/{rng.randint(25, 30)}).\n\n"
        )
    if kind == 2:
        return (
            f"Direct deposit change for {who}: routing number {routing(rng)}, checking "
            f"account {account(rng)}, effective {when(rng)}.\n\n"
        )
    return (
        f"Rental pickup: {who}, driver's license {license_no(rng)}, "
        f"returned the van on {when(rng)}.\n\n"
    )


def _text_file(rng: random.Random, size: int, pi_every: int) -> Iterator[tuple[str, bool]]:
    """Chunks of one file, and whether each is a PI paragraph (one every ~`pi_every` bytes)."""
    written, next_pi = 0, rng.randint(pi_every // 2, pi_every * 3 // 2)
    blocks: tuple[Callable[[random.Random], str], ...] = (_email, _email, _note, _log, _log)
    while written < size:
        pi = written >= next_pi
        if pi:
            chunk = _pi_paragraph(rng)
            next_pi = written + rng.randint(pi_every // 2, pi_every * 3 // 2)
        else:
            chunk = rng.choice(blocks)(rng)
        written += len(chunk)
        yield chunk, pi


def make_text(folder: Path, total: int, files: int, pi_every: int, seed: int) -> int:
    """Write `files` text files of `total` bytes in all, a PI paragraph every ~`pi_every`."""
    pi_files = 0
    for i in range(files):
        rng = random.Random(f"{seed}-text-{i}")
        path = folder / f"{rng.choice(('mail', 'notes', 'app'))}-{i:03d}.txt"
        planted = False
        with path.open("w", encoding="ascii") as fh:
            for chunk, pi in _text_file(rng, total // files, pi_every):
                fh.write(chunk)
                planted |= pi
        pi_files += planted
    return pi_files


# --------------------------------------------------------------------------- (b) dense CSV

CSV_COLUMNS = _bars(
    "employee_id|first_name|last_name|ssn|dob|email|phone|street|city|state|zip|"
    "department|title|hire_date|salary|bank_routing|bank_account"
)


def _employee(rng: random.Random, number: int) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, prefix = rng.choice(CITIES)
    dob = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randint(0, 17_000))
    cells = (
        f"E{number:06d}",
        first,
        last,
        ssn(rng),
        dob.isoformat(),
        f"{first[0].lower()}{last.lower()}{rng.randint(1, 99)}@example.com",
        phone(rng),
        f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
        city,
        state,
        _zip(rng, prefix),
        rng.choice(DEPARTMENTS),
        rng.choice(TITLES),
        day(rng).isoformat(),
        str(rng.randint(38, 240) * 1000),
        routing(rng),
        account(rng),
    )
    return ",".join(cells) + "\n"


def make_csv(folder: Path, total: int, files: int, seed: int) -> int:
    """Write `files` payroll exports of `total` bytes in all; every row holds a name and PI."""
    number = 100_000
    for i in range(files):
        rng = random.Random(f"{seed}-csv-{i}")
        path = folder / f"payroll_export_2024_q{i % 4 + 1}_{i // 4:02d}.csv"
        with path.open("w", encoding="ascii", newline="") as fh:
            fh.write(",".join(CSV_COLUMNS) + "\n")
            written = 0
            while written < total // files:
                number += 1
                row = _employee(rng, number)
                fh.write(row)
                written += len(row)
    return files


# --------------------------------------------------------------------------- (c) documents


def _doc_rows(rng: random.Random, pi: bool, rows: int) -> tuple[list[str], list[list[str]]]:
    if pi:
        header = ["Name", "SSN", "Department", "Phone"]
        body = [[name(rng), ssn(rng), rng.choice(DEPARTMENTS), phone(rng)] for _ in range(rows)]
    else:
        header = ["Item", "Vendor", "Qty", "Amount"]
        body = [
            [rng.choice(PRODUCTS), rng.choice(VENDORS), str(rng.randint(1, 500)), amount(rng)]
            for _ in range(rows)
        ]
    return header, body


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*")


def _fix_zip_times(path: Path) -> None:
    """Rewrite an OOXML zip with fixed member times, so the same seed gives the same bytes."""
    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, raw in members:
            body = raw
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                body = _MODIFIED.sub(rb"\g<1>2024-06-01T12:00:00Z", raw)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, body)


def _docx(path: Path, rng: random.Random, pi: bool) -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.created = doc.core_properties.modified = _FIXED_TIME
    doc.add_heading(f"{rng.choice(DEPARTMENTS)} update, {when(rng)}", level=1)
    doc.add_paragraph(_prose(rng, rng.randint(2, 5)))
    if rng.random() < 0.5:
        doc.add_paragraph(_prose(rng, rng.randint(2, 5)))
    header, body = _doc_rows(rng, pi, rng.randint(3, 6))
    table = doc.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in body:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    doc.save(str(path))
    _fix_zip_times(path)


def _xlsx(path: Path, rng: random.Random, pi: bool) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    ws = wb.active
    ws.title = "Payroll" if pi else "Orders"
    if pi:
        ws.append(["employee_id", "first_name", "last_name", "ssn", "bank_routing", "bank_account"])
        for n in range(50):
            ws.append(
                [
                    f"E{n:06d}",
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    ssn(rng),
                    routing(rng),
                    account(rng),
                ]
            )
    else:
        ws.append(["order", "date", "product", "vendor", "qty", "amount"])
        for _ in range(50):
            ws.append(
                [
                    order_no(rng),
                    when(rng),
                    rng.choice(PRODUCTS),
                    rng.choice(VENDORS),
                    rng.randint(1, 500),
                    rng.randint(100, 999_999) / 100,
                ]
            )
    wb.save(str(path))
    _fix_zip_times(path)


def _pdf(path: Path, rng: random.Random, pi: bool) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(_FIXED_TIME)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    city, state, prefix = rng.choice(CITIES)
    lines = [
        rng.choice(VENDORS),
        f"{rng.randint(1, 999)} {rng.choice(STREETS)}, {city}, {state} {_zip(rng, prefix)}",
        when(rng),
        "",
        f"Dear {name(rng)},",
        "",
        _prose(rng, rng.randint(3, 6)),
        "",
    ]
    if pi:
        who = name(rng)
        lines += [f"Employee: {who}", f"SSN: {ssn(rng)}", f"Card on file: {card(rng)}", ""]
    lines += [
        f"Invoice {order_no(rng)}: {amount(rng)} due {when(rng)}.",
        "",
        "Sincerely,",
        name(rng),
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def make_docs(folder: Path, count: int, seed: int) -> int:
    """Write `count` documents, a third each docx, xlsx and pdf; one in three holds PI."""
    writers = ((_docx, "docx"), (_xlsx, "xlsx"), (_pdf, "pdf"))
    pi_files = 0
    for i in range(count):
        rng = random.Random(f"{seed}-doc-{i}")
        writer, ext = writers[i % 3]
        pi = rng.random() < 1 / 3
        pi_files += pi
        writer(folder / f"doc-{i:04d}.{ext}", rng, pi)
    return pi_files


# --------------------------------------------------------------------------- caching


def _params(which: str, scale: float) -> dict[str, int]:
    if which == "text":
        return {"bytes": int(TEXT_BYTES * scale), "files": TEXT_FILES, "pi_every": TEXT_PI_EVERY}
    if which == "csv":
        return {"bytes": int(CSV_BYTES * scale), "files": CSV_FILES}
    return {"count": max(3, int(DOC_COUNT * scale))}


def _make(which: str, folder: Path, params: dict[str, int], seed: int) -> int:
    """Generate one set into `folder`; returns how many files were planted with PI."""
    if which == "text":
        return make_text(folder, params["bytes"], params["files"], params["pi_every"], seed)
    if which == "csv":
        return make_csv(folder, params["bytes"], params["files"], seed)
    return make_docs(folder, params["count"], seed)


def ensure(which: str, out: Path = DEFAULT_OUT, scale: float = 1.0, seed: int = SEED) -> Dataset:
    """The data set `which` under `out`, generated unless an identical one is already there."""
    folder = out / (which if scale == 1.0 else f"{which}-x{scale:g}")
    stamp_file = folder.parent / f"{folder.name}.stamp.json"
    params = _params(which, scale)
    want = {"version": VERSION, "seed": seed, **params}
    stamp = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
    if stamp.get("params") != want or not folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        pi_files = _make(which, folder, params, seed)
        stamp = {"params": want, "pi_files": pi_files}
        stamp_file.write_text(json.dumps(stamp, indent=1))
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return Dataset(
        which, folder, len(files), sum(p.stat().st_size for p in files), int(stamp["pi_files"])
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scale", type=float, default=1.0, help="size multiplier (0.1 = quick)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("sets", nargs="*", metavar="SET", help=f"any of {', '.join(DATASETS)}")
    args = parser.parse_args(argv)
    unknown = set(args.sets) - set(DATASETS)
    if unknown:
        parser.error(f"unknown data set: {', '.join(sorted(unknown))}")
    for which in args.sets or DATASETS:
        ds = ensure(which, args.out, args.scale, args.seed)
        print(
            f"{ds.name:5} {ds.files:4d} files {ds.bytes / 1e6:8.1f} MB  "
            f"{ds.pi_files} planted with PI  {ds.path}"
        )


if __name__ == "__main__":
    main()
