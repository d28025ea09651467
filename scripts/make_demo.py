"""Rebuilds src/wisp/discovery/demo/data: a small office's files, with fictitious PI.

Run from the repository root with the dev extras installed: `python scripts/make_demo.py`.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
import pyzipper
from fpdf import FPDF

OUT = Path(__file__).resolve().parents[1] / "src" / "wisp" / "discovery" / "demo" / "data"

ROSTER = [
    ("Maria", "Lopez", "123-45-6788", "4556 7375 8689 9855"),
    ("James", "O'Brien", "234-56-7891", "5425 2334 3010 9903"),
    ("Priya", "Natarajan", "345-67-8902", "3714 496353 98431"),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.rglob("*"):
        if old.is_file():
            old.unlink()
    (OUT / "hr").mkdir(exist_ok=True)
    (OUT / "finance").mkdir(exist_ok=True)
    (OUT / "mail").mkdir(exist_ok=True)
    (OUT / "public").mkdir(exist_ok=True)
    lines = _office()
    _archives(lines)


def _office() -> list[str]:
    """The roster, payroll sheet, letter, card authorization and e-mail; returns the roster."""
    lines = ["first_name,last_name,ssn,department"]
    lines += [f"{f},{last},{ssn},Accounting" for f, last, ssn, _ in ROSTER]
    (OUT / "hr" / "roster.csv").write_text("\n".join(lines) + "\n")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Payroll"
    sheet.append(["Employee Name", "Routing Number", "Checking Account"])
    sheet.append(["Maria Lopez", "011000015", "004512398765"])
    sheet.append(["James O'Brien", "021000021", "118800443210"])
    book.save(OUT / "finance" / "direct-deposit.xlsx")
    letter = docx.Document()
    letter.add_paragraph("Dear Priya Natarajan,")
    letter.add_paragraph(
        "We have updated your file with your Massachusetts driver's license number S12345678."
    )
    letter.save(OUT / "hr" / "license-update.docx")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Card on file for James O'Brien: 5425 2334 3010 9903 (Mastercard).")
    pdf.output(str(OUT / "finance" / "card-authorization.pdf"))
    msg = EmailMessage()
    msg["From"] = "office@example.com"
    msg["To"] = "payroll@example.com"
    msg["Subject"] = "New hire paperwork"
    msg.set_content("Please set up Maria Lopez, SSN 123-45-6788, before Friday.")
    (OUT / "mail" / "new-hire.eml").write_bytes(bytes(msg))
    return lines


def _archives(lines: list[str]) -> None:
    """A zip export, an encrypted backup, a log archive and files without PI."""
    records = [{"customer": f"{f} {last}", "card": card} for f, last, _, card in ROSTER]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("customers.json", json.dumps(records, indent=2))
    (OUT / "finance" / "export.zip").write_bytes(buf.getvalue())
    # Sealed with a password the demo does not know: listed as encrypted, not as PI (17.02).
    sealed = io.BytesIO()
    with pyzipper.AESZipFile(sealed, "w", encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(b"correct horse battery staple")
        zf.writestr("backup.csv", "\n".join(lines) + "\n")
    (OUT / "hr" / "backup-encrypted.zip").write_bytes(sealed.getvalue())
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w:gz") as tf:
        data = b"2024-03-01 login ok user=mlopez\n2024-03-01 export done rows=3\n"
        info = tarfile.TarInfo("logs/app.log")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    (OUT / "public" / "logs.tar.gz").write_bytes(tar_buf.getvalue())
    (OUT / "public" / "ssn-list-no-names.txt").write_text(
        "Audit sample, numbers only:\n456-78-9013\n567-89-0124\n"
    )
    (OUT / "public" / "orders.txt").write_text(
        "Order 4556737586899856 shipped to Boston. Call 617-555-0142.\n"
    )
    handbook = gzip.compress(b"# Office handbook\nNo PI here.\n")
    (OUT / "public" / "readme.md.gz").write_bytes(handbook)


if __name__ == "__main__":
    main()
