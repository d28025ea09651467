"""`wisp scan`: formats, --output, exit codes, configuration errors, --demo; end to end."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wisp import __version__
from wisp.cli.app import cli
from wisp.discovery.demo import demo_folder
from wisp.discovery.fingerprint import KEY_FILE
from wisp.plugins import renderer_classes

#: Made-up values; the SSN passes the SSA's rules and the Visa number the Luhn check.
PI_CSV = "name,ssn,card\nJohn Smith,123-45-6788,4556 7375 8689 9855\n"
RAW = ("123-45-6788", "123456788", "4556 7375 8689 9855", "4556737586899855")
FORMATS = sorted(cls.FORMAT for cls in renderer_classes())
#: The demo files that hold a name with an SSN, license, account or card number.
DEMO_PI = {
    "finance/card-authorization.pdf",
    "finance/direct-deposit.xlsx",
    "finance/export.zip!customers.json",
    "hr/license-update.docx",
    "hr/roster.csv",
    "mail/new-hire.eml",
}


@pytest.fixture(autouse=True)
def home(wisp_home: Path) -> Path:
    return wisp_home


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    (root / "hr").mkdir(parents=True)
    (root / "hr" / "payroll.csv").write_text(PI_CSV, encoding="utf-8")
    (root / "notes.txt").write_text("Nothing personal.\n", encoding="utf-8")
    return root


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    root.mkdir()
    (root / "notes.txt").write_text("Nothing personal.\n", encoding="utf-8")
    return root


def _wisp(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_line_error(result: Result, *, code: int = 2) -> str:
    """The single `wisp: ...` line a failed command prints; no traceback, no report."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("wisp: ")
    assert "Traceback" not in result.stderr
    return lines[0]


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(fmt: str, text: str) -> list[str]:
    """The paths a report in `fmt` lists as holding PI; fails if the text does not parse."""
    if fmt == "json":
        doc = json.loads(text)
        assert doc["schema"] == "wisp.scan/v1"
        return [f["path"] for f in doc["files"] if f["contains_pi"]]
    if fmt == "jsonl":
        lines = [json.loads(line) for line in text.splitlines()]
        assert lines[-1]["type"] == "summary"
        return [x["path"] for x in lines if x["type"] == "file" and x["contains_pi"]]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return [r["path"] for r in rows if r["contains_pi"] == "true"]
    if fmt == "sarif":
        doc = json.loads(text)
        assert doc["version"] == "2.1.0"
        return [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]
            if r["ruleId"] == "PI_RECORD"
        ]
    if fmt == "html":
        parser = _Html()
        parser.feed(text)
        parser.close()
        assert "html" in parser.tags
        assert "script" not in parser.tags
        return ["hr/payroll.csv"] if "hr/payroll.csv" in "".join(parser.text) else []
    assert fmt == "table"
    return ["hr/payroll.csv"] if "hr/payroll.csv" in text else []


def test_every_registered_format_is_offered() -> None:
    assert {"json", "jsonl", "csv", "sarif", "html", "table"} <= set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_writes_parseable_output_without_raw_pi(
    share: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"report.{fmt}"

    result = _wisp("scan", share, "--format", fmt, "--output", out, "--workers", "1")

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert _parse(fmt, text) == ["hr/payroll.csv"]
    for raw in RAW:
        assert raw not in text


def test_report_goes_to_stdout_as_json_when_not_a_terminal(share: Path) -> None:
    result = _wisp("scan", share, "--workers", "1", "--quiet")

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [f["path"] for f in doc["files"]] == ["hr/payroll.csv", "notes.txt"]
    assert doc["summary"]["files_with_pi"] == 1


def test_output_file_is_written_atomically_and_privately(share: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    out = out_dir / "scan.json"
    out.write_text("old report", encoding="utf-8")
    out.chmod(0o644)
    old = os.umask(0)
    try:
        result = _wisp("scan", share, "-o", out, "--workers", "1")
    finally:
        os.umask(old)

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["files_with_pi"] == 1
    assert [p.name for p in out_dir.iterdir()] == ["scan.json"]


def test_relative_output_path_is_written_in_the_current_directory(
    share: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = _wisp("scan", share, "-o", "report.csv", "--format", "csv", "--workers", "1")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.csv").read_text(encoding="utf-8").startswith("path,")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.csv.")]


@pytest.mark.parametrize("target", ["missing-dir/report.json", "existing-dir"])
def test_unwritable_output_is_one_line_and_exit_2(share: Path, tmp_path: Path, target: str) -> None:
    (tmp_path / "existing-dir").mkdir()

    result = _wisp("scan", share, "-o", tmp_path / target, "--workers", "1")

    _one_line_error(result)


@pytest.mark.parametrize(
    ("pi", "code"),
    [(True, 1), (False, 0)],
)
def test_fail_on_pi_sets_the_exit_code_and_still_writes_the_report(
    share: Path, clean: Path, tmp_path: Path, pi: bool, code: int
) -> None:
    out = tmp_path / "report.json"

    result = _wisp("scan", share if pi else clean, "--fail-on-pi", "-o", out, "--workers", "1")

    assert result.exit_code == code, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["files_with_pi"] == int(pi)


def test_pi_without_fail_on_pi_exits_0(share: Path) -> None:
    assert _wisp("scan", share, "--workers", "1").exit_code == 0


def test_unreadable_files_do_not_change_the_exit_code(clean: Path) -> None:
    (clean / "blob.bin").write_bytes(bytes(range(256)) * 4)

    result = _wisp("scan", clean, "--fail-on-pi", "--workers", "1")

    assert result.exit_code == 0, result.output
    assert [e["path"] for e in json.loads(result.stdout)["errors"]] == ["blob.bin"]


def test_no_paths_is_a_usage_error() -> None:
    line = _one_line_error(_wisp("scan"))

    assert "at least one path" in line


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "cannot read config file", id="missing"),
        pytest.param("[scan\n", "is not valid TOML", id="bad-toml"),
        pytest.param("[scan]\nignore_paths = 3\n", "must be a list of strings", id="wrong-type"),
        pytest.param("[scan]\nskip = []\n", "unknown [scan] setting", id="unknown-key"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(
    share: Path, tmp_path: Path, content: str | None, expected: str
) -> None:
    config = tmp_path / "policy.toml"
    if content is not None:
        config.write_text(content, encoding="utf-8")

    line = _one_line_error(_wisp("scan", share, "--config", config))

    assert expected in line
    assert str(config) in line


def test_config_policy_is_applied(share: Path, tmp_path: Path) -> None:
    config = tmp_path / "policy.toml"
    config.write_text('[scan]\nignore_paths = ["hr"]\n', encoding="utf-8")

    result = _wisp("scan", share, "--config", config, "--workers", "1", "--fail-on-pi")

    assert result.exit_code == 0, result.output
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == ["notes.txt"]


def test_default_config_in_home_is_applied(share: Path, home: Path) -> None:
    (home / "scan.toml").write_text(
        '[scan]\npublic_values = ["123-45-6788", "4556 7375 8689 9855"]\n', encoding="utf-8"
    )

    result = _wisp("scan", share, "--workers", "1", "--fail-on-pi")

    assert result.exit_code == 0, result.output
    payroll = json.loads(result.stdout)["files"][0]
    assert payroll["path"] == "hr/payroll.csv"
    assert payroll["contains_pi"] is False


@pytest.mark.parametrize(
    ("env", "value", "name"),
    [
        ("WISP_WORKERS", "-1", "workers"),
        ("WISP_MAX_FILE_BYTES", "zero", "max_file_bytes"),
        ("WISP_ARCHIVE_MAX_DEPTH", "-3", "archive_max_depth"),
    ],
)
def test_invalid_setting_is_one_line_and_exit_2(
    share: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, name: str
) -> None:
    monkeypatch.setenv(env, value)

    line = _one_line_error(_wisp("scan", share))

    assert f"invalid setting {name}" in line


def test_exposed_key_is_one_line_and_exit_2(share: Path, home: Path) -> None:
    assert _wisp("scan", share, "--workers", "1").exit_code == 0
    (home / KEY_FILE).chmod(0o644)

    line = _one_line_error(_wisp("scan", share, "--workers", "1"))

    assert "fingerprint key" in line


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "many"],
        ["--format", "docx"],
        ["--no-such-option"],
    ],
)
def test_bad_option_is_a_usage_error(share: Path, args: list[str]) -> None:
    result = _wisp("scan", share, *args)

    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_damaged_cache_does_not_crash_an_incremental_scan(share: Path, home: Path) -> None:
    assert _wisp("scan", share, "--incremental", "--workers", "1").exit_code == 0
    (home / "scan-cache.sqlite").write_bytes(b"this is not an SQLite database " * 64)

    result = _wisp("scan", share, "--incremental", "--workers", "1")

    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 2)


def test_incremental_scan_gives_the_same_report(share: Path, home: Path) -> None:
    first = _wisp("scan", share, "--incremental", "--workers", "1")
    second = _wisp("scan", share, "--incremental", "--workers", "1")

    assert first.exit_code == second.exit_code == 0
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["files"] == two["files"]
    assert (home / "scan-cache.sqlite").is_file()


def test_demo_finds_pi_in_the_demo_files() -> None:
    result = _wisp("scan", "--demo", "--workers", "1", "--fail-on-pi")

    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    found = {f["path"] for f in doc["files"] if f["contains_pi"]}
    assert found == DEMO_PI
    assert doc["errors"] == []
    # Numbers with no name beside them are elements but not personal information.
    lonely = next(f for f in doc["files"] if f["path"] == "public/ssn-list-no-names.txt")
    assert lonely["elements"]["US_SSN"] == 2
    assert lonely["contains_pi"] is False
    # Every file of the folder was looked into.
    top = {p.relative_to(demo_folder()).as_posix() for p in demo_folder().rglob("*.*")}
    listed = {f["path"].split("!")[0] for f in doc["files"]}
    assert listed == top


def test_version() -> None:
    result = _wisp("--version")

    assert result.exit_code == 0
    assert result.stdout == f"wisp, version {__version__}\n"


def test_help_lists_every_scan_option() -> None:
    result = _wisp("scan", "--help")

    assert result.exit_code == 0
    for option in (
        "--format",
        "--output",
        "--workers",
        "--incremental",
        "--config",
        "--fail-on-pi",
        "--demo",
        "--quiet",
    ):
        assert option in result.stdout


# --- end to end, through the installed console script ------------------------------------------

WISP = Path(sys.executable).with_name("wisp")


@pytest.mark.skipif(not WISP.is_file(), reason="the wisp console script is not installed")
def test_console_script_scans_the_demo_with_two_workers(tmp_path: Path, home: Path) -> None:
    out = tmp_path / "demo.json"
    env = {**os.environ, "WISP_HOME": str(home)}

    proc = subprocess.run(
        [str(WISP), "scan", "--demo", "--workers", "2", "--fail-on-pi", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {f["path"] for f in doc["files"] if f["contains_pi"]} == DEMO_PI
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.skipif(not WISP.is_file(), reason="the wisp console script is not installed")
def test_console_script_reports_a_bad_setting_in_one_line(tmp_path: Path, home: Path) -> None:
    env = {**os.environ, "WISP_HOME": str(home), "WISP_WORKERS": "-1"}

    proc = subprocess.run(
        [str(WISP), "scan", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("wisp: invalid setting workers")
