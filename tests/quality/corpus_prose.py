"""Prose and log scenarios: letters, forms, notes, e-mail bodies and application logs, with
and without 17.02 personal information."""

from __future__ import annotations

from collections.abc import Callable

from corpus_docs import Doc

__all__ = ["LOG_SCENARIOS", "PROSE_SCENARIOS"]

_COMPANY = "Harborview Office Supply LLC"
_FILLER = (
    "The kitchen on the third floor will be closed for cleaning on Thursday afternoon; please "
    "take any food you want to keep home by noon.",
    "Parking passes for the Summer Street garage renew at the end of the month. Bring your old "
    "pass to the front desk and the new one will be ready within two business days.",
    "Our quarterly all-hands meeting moves to the large conference room. Slides will be shared "
    "afterwards, and questions can be sent ahead of time through the usual form.",
    "The fire drill is scheduled for next week. When the alarm sounds, leave by the nearest "
    "stairway and meet across the street by the bank, where floor wardens will take attendance.",
)


def letter_license(doc: Doc, shape: str = "sentence") -> None:
    """A letter about an employee's Massachusetts driver's license."""
    p = doc.person()
    dl = doc.license()
    if shape == "address":
        street, city = doc.v.address()
        doc.para(p.full, street, city)
        doc.para(doc.v.date())
        doc.para(f"Dear {p.title},")
        doc.para(
            "Thank you for completing your onboarding paperwork. We have recorded your "
            f"Massachusetts driver's license number {dl} for the fleet insurance policy. "
            "Please let us know if it changes."
        )
    elif shape == "salutation":
        doc.para(f"Dear {p.full},")
        doc.para(f"We have updated your file with your Massachusetts driver's license number {dl}.")
    else:
        doc.para("To whom it may concern,")
        doc.para(
            f"This confirms that {p.full} holds Massachusetts driver's license {dl} and is "
            "cleared to drive company vehicles."
        )
    doc.para("Sincerely,", "Human Resources")
    doc.pi = True


def hr_note(doc: Doc, rare: bool = False) -> None:
    """A key: value note, as pasted into a ticket or a notes file."""
    p, mgr = doc.person(rare=rare), doc.person()
    doc.para("Onboarding checklist")
    doc.para(
        f"Employee: {p.full}",
        f"SSN: {doc.ssn()}",
        f"Start date: {doc.v.date()}",
        f"Manager: {mgr.full}",
        "I-9 reviewed: yes",
    )
    doc.pi = True


def new_hire_request(doc: Doc) -> None:
    p, sender = doc.person(), doc.person()
    doc.para("Hi team,")
    doc.para(
        f"Please set up {p.full}, SSN {doc.ssn()}, in payroll before Friday. "
        f"Start date is {doc.v.date()}."
    )
    doc.para("Thanks,", sender.first)
    doc.pi = True


def card_authorization(doc: Doc) -> None:
    p = doc.person()
    number, brand = doc.card()
    doc.para("CREDIT CARD AUTHORIZATION FORM")
    doc.para(
        f"I, {p.full}, authorize {_COMPANY} to charge my {brand} card number {number}, "
        f"expiration {doc.rng.randint(1, 12):02d}/{doc.rng.randint(26, 30)}, for the amount "
        f"of {doc.v.amount()}."
    )
    doc.para("Signature: ____________________   Date: ____________")
    doc.pi = True


def deposit_request(doc: Doc, signed: bool = True) -> None:
    """An employee asking payroll to change their direct deposit."""
    p = doc.person()
    doc.para("Hi Payroll,")
    if signed:
        doc.para(
            f"Please change my direct deposit to my checking account {doc.account()} at "
            f"routing number {doc.routing()} starting next pay period."
        )
        doc.para("Thanks,", p.full)
    else:
        doc.para(
            f"This is {p.full} from Facilities. Please send my pay to checking account "
            f"{doc.account()}, routing {doc.routing()}, from the next pay period on."
        )
    doc.pi = True


def loan_application(doc: Doc) -> None:
    p = doc.person(rare=doc.rng.random() < 0.5)
    doc.para("EMPLOYEE LOAN APPLICATION")
    doc.para(
        f"Applicant Name: {p.full}",
        f"Social Security Number: {doc.ssn()}",
        f"Driver's License #: {doc.license()} (MA)",
        f"Checking Account: {doc.account()}   Routing: {doc.routing()}",
        f"Monthly income: {doc.v.amount()}",
    )
    doc.pi = True


def statement(doc: Doc, inline: bool = False) -> None:
    """A bank statement's first page, the account holder in capitals."""
    p = doc.person()
    street, city = doc.v.address()
    if inline:
        doc.para("MONTHLY STATEMENT")
        doc.para(
            f"Account holder: {p.full.upper()}   Account number: {doc.account()}",
            f"Statement period: {doc.v.date()} to {doc.v.date()}",
        )
    else:
        doc.para(p.full.upper(), street.upper(), city.upper())
        doc.para(
            f"Checking account number: {doc.account()}",
            f"Statement period: {doc.v.date()} to {doc.v.date()}",
        )
    doc.para(
        f"Beginning balance {doc.v.amount()}   Deposits {doc.v.amount()}   "
        f"Ending balance {doc.v.amount()}"
    )
    doc.pi = True


def initial_ssn(doc: Doc) -> None:
    p = doc.person()
    doc.para(
        f"Per our call today, {p.initial}'s SSN is {doc.ssn()}; please update the W-4 record "
        "before the next payroll run."
    )
    doc.pi = True


def ssn_list(doc: Doc) -> None:
    doc.para("Audit sample, numbers only:", *(doc.ssn() for _ in range(doc.rng.randint(3, 9))))


def far_apart(doc: Doc, element: str = "card") -> None:
    """Staff news naming people, and many paragraphs later an element that is nobody's."""
    a, b = doc.person(), doc.person()
    doc.para("OFFICE NEWSLETTER")
    doc.para(
        f"Please welcome {a.full}, who joins Accounting this week, and {b.full}, our new "
        "facilities coordinator."
    )
    for text in doc.rng.sample(_FILLER, 3):
        doc.para(text)
    if element == "card":
        number, brand = doc.card()
        doc.para(
            f"Reminder: the office purchasing card ({brand} {number}) is for supplies only. "
            "Receipts go to the finance inbox."
        )
    else:
        doc.para(
            f"Audit note: the W-4 with SSN {doc.ssn()} arrived unsigned and was returned to "
            "the sender."
        )


def policy(doc: Doc) -> None:
    officer = doc.person()
    doc.para("WRITTEN INFORMATION SECURITY PROGRAM - SUMMARY")
    doc.para(
        "Personal information means a Massachusetts resident's first name and last name or "
        "first initial and last name with a Social Security number, driver's license or "
        "state-issued identification card number, or financial account or credit or debit "
        "card number."
    )
    doc.para(
        "Staff must not e-mail Social Security numbers, account numbers or card numbers "
        "unencrypted. Paper records are kept in locked cabinets."
    )
    doc.para(f"Questions go to the Privacy Officer, {officer.full}, at {doc.v.phone()}.")


def order_confirmation(doc: Doc) -> None:
    p = doc.person()
    doc.para(f"Hello {p.first},")
    doc.para(
        f"Thank you for your order {doc.v.order_number()} placed on {doc.v.date()}. Invoice "
        f"{doc.v.invoice()} for {doc.v.amount()} was charged to your card ending in "
        f"{doc.rng.randint(0, 9999):04d}."
    )
    street, city = doc.v.address()
    doc.para("Shipping to:", p.full, street, f"{city[:-5]}{doc.v.zip4()}")
    doc.para(f"Questions? Call {doc.v.phone()}.")


def invoice_remittance(doc: Doc) -> None:
    """An invoice to a person, paid into the company's own bank account."""
    p = doc.person()
    street, city = doc.v.address()
    doc.para(f"INVOICE {doc.v.invoice()}", f"Date: {doc.v.date()}")
    doc.para("Bill to:", p.full, street, city)
    chair, delivery = doc.rng.randint(18_000, 64_000), doc.rng.randint(2_500, 9_500)
    doc.para(
        f"Desk chair, ergonomic   1   ${chair / 100:.2f}",
        f"Delivery   1   ${delivery / 100:.2f}",
        f"Total due: ${(chair + delivery) / 100:.2f}",
    )
    doc.para(
        "Notes: delivery is scheduled within ten business days. Returns are accepted for "
        "thirty days in the original packaging; custom orders cannot be returned."
    )
    doc.para(
        f"Remit payment to {_COMPANY} by ACH or wire.",
        f"Bank routing number: {doc.routing()}",
        f"Bank account number: {doc.account()}",
    )


def meeting_notes(doc: Doc) -> None:
    a, b, c = doc.person(), doc.person(), doc.person()
    doc.para(f"Ops meeting, {doc.v.date()}, Room {doc.rng.randint(100, 450)}")
    doc.para(f"Attendees: {a.full}, {b.full}, {c.initial}")
    doc.para(
        f"- {a.first} will renew the copier lease (ticket {doc.v.digits(6)}).",
        f"- {b.last} to call the vendor at {doc.v.phone()} about invoice {doc.v.invoice()}.",
        f"- Budget for Q3 is {doc.v.amount()}; next meeting {doc.v.date()}.",
    )


def blank_form(doc: Doc) -> None:
    doc.para("NEW EMPLOYEE INFORMATION FORM")
    doc.para(
        "Name: ______________________________",
        "Social Security Number: ___-__-____",
        "Driver's License #: ______________",
        "Bank routing number: _________",
        "Checking account number: ______________",
    )
    doc.para(f"Return this form to Human Resources. Questions: {doc.v.phone()}.")


def masked_statement(doc: Doc) -> None:
    p = doc.person()
    r = doc.rng
    doc.para(
        f"Account holder: {p.full}",
        f"Checking account ending in {r.randint(0, 9999):04d}",
        f"Card: XXXX-XXXX-XXXX-{r.randint(0, 9999):04d}",
        f"SSN on file: ***-**-{r.randint(1, 9999):04d}",
    )
    doc.para(f"Your autopay of {doc.v.amount()} is scheduled for {doc.v.date()}.")


def cover_note(doc: Doc) -> None:
    """A covering e-mail: the attachment carries whatever the message is about."""
    sender = doc.person()
    doc.para("Hi,")
    doc.para("Attached is the file you asked for. Let me know if anything is missing.")
    doc.para("Thanks,", sender.first)


PROSE_SCENARIOS: dict[str, Callable[..., None]] = {
    f.__name__: f
    for f in (
        cover_note,
        letter_license,
        hr_note,
        new_hire_request,
        card_authorization,
        deposit_request,
        loan_application,
        statement,
        initial_ssn,
        ssn_list,
        far_apart,
        policy,
        order_confirmation,
        invoice_remittance,
        meeting_notes,
        blank_form,
        masked_statement,
    )
}


# Logs --------------------------------------------------------------------------------------


def _stamp(doc: Doc, i: int) -> str:
    day, second = doc.rng.randint(1, 28), doc.rng.randint(0, 59)
    return f"2024-03-{day:02d}T{9 + i // 60 % 9:02d}:{i % 60:02d}:{second:02d}Z"


def _noise(doc: Doc, i: int) -> str:
    r = doc.rng
    return r.choice(
        (
            f"{_stamp(doc, i)} INFO  http GET /api/timesheets 200 {r.randint(3, 900)}ms",
            f"{_stamp(doc, i)} DEBUG cache hit key=ts:{r.randint(1000, 99999)}",
            f"{_stamp(doc, i)} WARN  slow query {r.randint(1000, 9000)}ms table=shifts",
            f"{_stamp(doc, i)} INFO  job export_shifts finished rows={r.randint(10, 4000)}",
        )
    )


def app_log_leak(doc: Doc) -> None:
    """An application log with a debug line that dumped an employee's record."""
    lines = [_noise(doc, i) for i in range(doc.rng.randint(15, 40))]
    for _ in range(doc.rng.randint(1, 3)):
        p = doc.person()
        leak = (
            f'{_stamp(doc, 99)} DEBUG payroll.update employee="{p.full}" ssn={doc.ssn()} status=ok'
        )
        lines.insert(doc.rng.randint(0, len(lines)), leak)
    doc.para(*lines)
    doc.pi = True


def payment_log(doc: Doc) -> None:
    """A payment gateway debug log that printed card numbers with the cardholder."""
    lines = [_noise(doc, i) for i in range(doc.rng.randint(10, 25))]
    for _ in range(doc.rng.randint(2, 5)):
        p = doc.person()
        number, _ = doc.card(sep="")
        lines.insert(
            doc.rng.randint(0, len(lines)),
            f'{_stamp(doc, 7)} DEBUG gateway.auth cardholder="{p.full.upper()}" '
            f"pan={number} amount={doc.v.amount()[1:]} result=approved",
        )
    doc.para(*lines)
    doc.pi = True


def access_log(doc: Doc) -> None:
    r = doc.rng
    lines = []
    for _ in range(r.randint(20, 50)):
        ip = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        lines.append(
            f"{ip} - - [07/Mar/2024:10:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} -0500] "
            f'"GET /orders/{doc.v.order_number()} HTTP/1.1" 200 {r.randint(200, 90000)} '
            f'"-" "Mozilla/5.0" session={r.getrandbits(64):016x}'
        )
    doc.para(*lines)


def auth_log(doc: Doc) -> None:
    r = doc.rng
    people = [doc.person() for _ in range(5)]
    lines = [
        f"{_stamp(doc, i)} sshd[{r.randint(1000, 65000)}]: Accepted publickey for "
        f"{r.choice(people).login} from 10.0.{r.randint(0, 9)}.{r.randint(2, 250)} port "
        f"{r.randint(30000, 65000)}"
        for i in range(r.randint(15, 30))
    ]
    doc.para(*lines)


def ssn_lookup_log(doc: Doc) -> None:
    """A verification service log: SSNs by request id, no names."""
    lines = [
        f"{_stamp(doc, i)} INFO verify request={doc.v.digits(7)} ssn={doc.ssn()} "
        f"result={doc.rng.choice(('match', 'no_match'))}"
        for i in range(doc.rng.randint(4, 10))
    ]
    doc.para(*lines)


LOG_SCENARIOS: dict[str, Callable[..., None]] = {
    f.__name__: f for f in (app_log_leak, payment_log, access_log, auth_log, ssn_lookup_log)
}
