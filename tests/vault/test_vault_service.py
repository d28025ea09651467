"""The vault service: records round-trip sealed, read masked, written only when well-formed and
allowed, and every write audited; on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from servicedata import ALICE, BOB, CLI, EMPLOYEES, audit_rows, make_employees, principal, role
from wisp_testdb import Database

from wisp.errors import AuditTampered, Conflict, InvalidInput, NotFound, PermissionDenied
from wisp.identity.roles import Permission
from wisp.vault.service import VaultService
from wisp.vault.views import Classification, CollectionSpec, FieldSpec, RetentionBasis

MASKED_ALICE = {
    "first": "E*********",
    "last": "W********",
    "ssn": "***-**-6788",
    "card": "**** **** **** 9855",
    "account": "****6789",
    "license": "******678",
    "birth": "********",
    "dept": "Payroll",
}


def _count(database: Database, table: str) -> int:
    return int(database.execute(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608 - ours


def test_a_record_round_trips_masked_and_revealed(vault: VaultService) -> None:
    (created,) = make_employees(vault, ALICE)

    fetched = vault.get_record(CLI, "employees", created.id)
    revealed = vault.reveal(CLI, "employees", created.id, list(ALICE), "Payroll")

    assert dict(created.values) == MASKED_ALICE
    assert dict(fetched.values) == MASKED_ALICE
    assert fetched.created_by == "cli"
    assert fetched.created_at == fetched.updated_at
    assert dict(revealed.values) == ALICE


def test_collections_are_listed_with_fields_reasons_and_counts(vault: VaultService) -> None:
    make_employees(vault, ALICE, BOB)

    (view,) = vault.list_collections(CLI)
    by_id = vault.get_collection(CLI, view.id)

    assert by_id == view
    assert view.name == "employees"
    assert view.purpose == EMPLOYEES.purpose
    assert [f.name for f in view.fields] == [f.name for f in EMPLOYEES.fields]
    assert [r.label for r in view.reasons] == ["Payroll", "Tax filing"]
    assert view.records == 2
    assert view.retention_days is None
    assert view.retention_basis is RetentionBasis.CREATED


def test_a_collection_name_is_taken_once(vault: VaultService, database: Database) -> None:
    make_employees(vault)

    with pytest.raises(Conflict, match="'employees' exists already"):
        vault.create_collection(CLI, EMPLOYEES)
    assert _count(database, "vault_collection") == 1


def test_reasons_are_added_retired_and_brought_back(
    vault: VaultService, database: Database
) -> None:
    make_employees(vault)

    vault.add_reason(CLI, "employees", "Benefits")
    with pytest.raises(Conflict):
        vault.add_reason(CLI, "employees", "benefits")
    vault.remove_reason(CLI, "employees", "PAYROLL")
    with pytest.raises(InvalidInput, match="listed reasons"):
        vault.remove_reason(CLI, "employees", "Payroll")
    view = vault.add_reason(CLI, "employees", "Payroll")

    assert [r.label for r in view.reasons] == ["Payroll", "Tax filing", "Benefits"]
    assert _count(database, "vault_reason") == 3
    changes = [e.details["change"] for e in audit_rows(database, "config.changed")]
    assert changes == ["created", "reason_added", "reason_removed", "reason_added"]


def test_pages_walk_every_record_once_in_creation_order(vault: VaultService) -> None:
    make_employees(vault)
    people = [{**ALICE, "dept": f"D{n}"} for n in range(17)]
    ids = [vault.create_record(CLI, "employees", p).id for p in people]

    seen, after = [], None
    while True:
        page = vault.list_records(CLI, "employees", after=after, limit=5)
        seen += [r.id for r in page.records]
        if page.next_after is None:
            break
        after = page.next_after

    assert seen == ids
    assert {i.version for i in ids} == {7}  # time-ordered: new keys land on the same pages
    assert vault.list_records(CLI, "employees", after=uuid.uuid4()).records == ()
    with pytest.raises(InvalidInput, match="page"):
        vault.list_records(CLI, "employees", limit=0)


@pytest.mark.parametrize(
    ("value", "found"),
    [("123-45-6788", True), ("123456788", True), (" 123 45 6788 ", True), ("123-45-6789", False)],
)
def test_search_finds_by_blind_index_whatever_the_separators(
    vault: VaultService, value: str, found: bool
) -> None:
    alice, _bob = make_employees(vault, ALICE, BOB)

    hits = vault.search(CLI, "employees", "ssn", value)

    assert [r.id for r in hits] == ([alice.id] if found else [])
    if found:
        assert hits[0].values["ssn"] == "***-**-6788"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first", "Evangelina", "not indexed"),
        ("ssn", "12-34", "must be an SSN"),
        ("ssn", "", "give a value"),
        ("nope", "1", "has no field 'nope'"),
    ],
)
def test_search_refuses_what_it_cannot_look_up(
    vault: VaultService, field: str, value: str, message: str
) -> None:
    make_employees(vault, ALICE)

    with pytest.raises(InvalidInput, match=message):
        vault.search(CLI, "employees", field, value)


def test_an_update_reseals_changes_the_index_and_keeps_the_rest(
    vault: VaultService, clock: object, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    wrapped_before = database.execute("SELECT wrapped_key FROM vault_record")[0][0]

    updated = vault.update_record(CLI, "employees", alice.id, {"ssn": "345-67-8912", "dept": None})

    assert updated.values["ssn"] == "***-**-8912"
    assert updated.values["dept"] is None
    assert updated.values["first"] == "E*********"
    assert updated.updated_at > updated.created_at == alice.created_at
    assert vault.search(CLI, "employees", "ssn", ALICE["ssn"]) == ()
    assert [r.id for r in vault.search(CLI, "employees", "ssn", "345678912")] == [alice.id]
    assert database.execute("SELECT wrapped_key FROM vault_record")[0][0] != wrapped_before
    (entry,) = audit_rows(database, "vault.record_updated")
    field_ids = {f.name: str(f.id) for f in vault.get_collection(CLI, "employees").fields}
    assert entry.details["fields"] == [field_ids["ssn"], field_ids["dept"]]


@pytest.mark.parametrize(
    "given",
    [
        {"first": "Evangelina", "last": "Whitcombe"},
        {"first": "Evangelina", "last": "Whitcombe", "ssn": "123-45-6788"},
        {**ALICE},
    ],
    ids=["none", "one", "all"],
)
def test_a_new_record_has_a_blind_index_per_indexed_value_given(
    vault: VaultService, database: Database, given: dict[str, str]
) -> None:
    (record,) = make_employees(vault, given)

    rows = database.execute("SELECT record_id, key_version FROM vault_index")
    indexed = {"ssn", "card", "account"} & set(given)
    assert len(rows) == len(indexed)
    assert {str(uuid.UUID(str(r[0]))) for r in rows} <= {str(record.id)}
    assert {r[1] for r in rows} <= {1}
    for name in indexed:
        assert [r.id for r in vault.search(CLI, "employees", name, given[name])] == [record.id]


def test_a_failed_write_leaves_neither_record_indexes_nor_audit_entry(
    vault: VaultService, database: Database
) -> None:
    make_employees(vault, ALICE)
    before = [_count(database, t) for t in ("vault_record", "vault_index", "audit_entry")]
    database.execute("DELETE FROM audit_head")  # the audit append fails after the inserts

    with pytest.raises(AuditTampered, match="head row is missing"):
        vault.create_record(CLI, "employees", BOB)

    assert [_count(database, t) for t in ("vault_record", "vault_index", "audit_entry")] == before


def test_writes_are_audited_with_ids_and_counts_only(
    vault: VaultService, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    vault.delete_record(CLI, "employees", alice.id)

    created, deleted = (
        audit_rows(database, "vault.record_created"),
        audit_rows(database, "vault.record_deleted"),
    )
    assert [(e.actor, e.target_id, e.outcome) for e in created + deleted] == [
        ("cli", str(alice.id), "success"),
        ("cli", str(alice.id), "success"),
    ]
    assert created[0].details["fields"] == len(ALICE)
    assert deleted[0].details["shredded"] is True
    with pytest.raises(NotFound):
        vault.get_record(CLI, "employees", alice.id)
    with pytest.raises(NotFound):
        vault.delete_record(CLI, "employees", alice.id)


BAD_VALUES = [
    ({**ALICE, "salary": "1"}, "has no field 'salary'"),
    ({**ALICE, "123-45-6788": "x"}, "a field with a malformed name"),
    ({k: v for k, v in ALICE.items() if k != "last"}, "field 'last' is required"),
    ({**ALICE, "first": "  "}, "field 'first' is required"),
    ({**ALICE, "ssn": "123-45-678"}, "field 'ssn': must be an SSN"),
    ({**ALICE, "card": "4556 7375 8689 9856"}, "field 'card': is not a valid card"),
    ({**ALICE, "account": "12"}, "field 'account': must be 4-34"),
    ({**ALICE, "first": "R2D2"}, "field 'first': must be a name"),
    ({**ALICE, "birth": "09/07/1984"}, "field 'birth': must be a date"),
    ({**ALICE, "birth": 3.5}, "field 'birth': must be a date"),
    ({**ALICE, "dept": "x" * 21}, "field 'dept': is longer than 20"),
    ({**ALICE, "dept": "a\x00b"}, "field 'dept': holds a control character"),
    ({**ALICE, "first": True}, "field 'first': must be text"),
]


@pytest.mark.parametrize(("values", "message"), BAD_VALUES)
def test_malformed_input_is_refused_naming_the_field_never_the_value(
    vault: VaultService, database: Database, values: dict[str, object], message: str
) -> None:
    make_employees(vault)

    with pytest.raises(InvalidInput, match=message) as caught:
        vault.create_record(CLI, "employees", values)  # type: ignore[arg-type]

    text = str(caught.value)
    assert all(str(v) not in text for v in values.values() if isinstance(v, str) and len(v) > 3)
    assert _count(database, "vault_record") == 0
    assert audit_rows(database, "vault.record_created") == []


def test_an_unknown_collection_or_record_is_not_found(vault: VaultService) -> None:
    make_employees(vault, ALICE)

    with pytest.raises(NotFound, match="no such collection 'customers'"):
        vault.create_record(CLI, "customers", ALICE)
    with pytest.raises(NotFound, match="no such collection"):
        vault.get_collection(CLI, uuid.uuid4())
    with pytest.raises(NotFound, match="no such record"):
        vault.get_record(CLI, "employees", uuid.uuid4())
    with pytest.raises(NotFound, match="no such record"):
        vault.get_record(CLI, "employees", "not-a-uuid")  # type: ignore[arg-type]


def test_a_record_is_found_only_in_its_own_collection(vault: VaultService) -> None:
    (alice,) = make_employees(vault, ALICE)
    other = CollectionSpec("other", "Another.", (FieldSpec("first", Classification.NAME),))
    vault.create_collection(CLI, other)

    with pytest.raises(NotFound):
        vault.get_record(CLI, "other", alice.id)


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [(("clerk",), True), (("officer",), True), (("auditor",), False), (("admin",), False)],
)
def test_masked_reads_need_records_read(
    vault: VaultService, database: Database, roles: tuple[str, ...], allowed: bool
) -> None:
    (alice,) = make_employees(vault, ALICE)
    user = principal(*roles)

    if allowed:
        assert vault.get_record(user, "employees", alice.id).values["ssn"] == "***-**-6788"
        assert len(vault.list_records(user, "employees").records) == 1
        assert [c.name for c in vault.list_collections(user)] == ["employees"]
    else:
        with pytest.raises(PermissionDenied, match="records:read on employees"):
            vault.get_record(user, "employees", alice.id)
        assert vault.list_collections(user) == ()
        (denied,) = audit_rows(database, "access.denied")
        assert (denied.actor, denied.outcome) == (user.user_id, "denied")


def test_writes_need_records_write_on_every_field_given(
    vault: VaultService, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    depts_only = principal(role("dept-clerk", (Permission.RECORDS_WRITE, frozenset({"dept"}))))

    vault.update_record(depts_only, "employees", alice.id, {"dept": "Sales"})
    with pytest.raises(PermissionDenied, match=r"records:write on employees\.ssn"):
        vault.update_record(depts_only, "employees", alice.id, {"ssn": "345-67-8912"})
    with pytest.raises(PermissionDenied):
        vault.create_record(principal("auditor"), "employees", ALICE)
    with pytest.raises(PermissionDenied):
        vault.delete_record(principal("auditor"), "employees", alice.id)

    assert (
        vault.reveal(CLI, "employees", alice.id, ["ssn"], "Payroll").values["ssn"] == ALICE["ssn"]
    )
    assert [e.outcome for e in audit_rows(database, "vault.record_updated")] == [
        "success",
        "denied",
        "denied",
    ]


def test_collections_are_managed_only_with_collections_manage(
    vault: VaultService, database: Database
) -> None:
    make_employees(vault)
    clerk = principal("clerk")

    with pytest.raises(PermissionDenied, match="collections:manage"):
        vault.create_collection(clerk, CollectionSpec("x", "Why.", EMPLOYEES.fields))
    with pytest.raises(PermissionDenied, match="collections:manage"):
        vault.add_reason(clerk, "employees", "Curiosity")
    with pytest.raises(PermissionDenied, match="collections:manage"):
        vault.add_canaries(clerk, "employees", 2)
    vault.add_reason(principal("officer"), "employees", "Audit")

    outcomes = [e.outcome for e in audit_rows(database, "config.changed")]
    assert outcomes == ["success", "denied", "denied", "denied", "success"]


def test_a_principal_without_a_uuid_is_refused(vault: VaultService) -> None:
    make_employees(vault)
    broken = principal("officer").__class__("not-a-uuid", principal("officer").roles)

    with pytest.raises(PermissionDenied, match="no valid user id"):
        vault.create_record(broken, "employees", ALICE)
