"""The README stays true: every command, option, setting and hook it must describe is there."""

from pathlib import Path

import click
import pytest

from wisp import hookspecs
from wisp.cli.app import cli
from wisp.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    assert isinstance(cli, click.Group)
    return sorted(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: getattr(v, "name", v))
def test_every_command_and_option_is_documented(name: str, command: click.Command) -> None:
    assert f"wisp {name}" in README
    for param in command.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            assert f"`{longest}" in README or f", {longest}" in README, longest


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"`WISP_{field.upper()}`" in README


@pytest.mark.parametrize(
    "hook", sorted(name for name in dir(hookspecs) if name.startswith("wisp_"))
)
def test_every_hook_is_documented(hook: str) -> None:
    assert f"`{hook}()`" in README


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in README
    assert "scripts/test.sh" in ci
