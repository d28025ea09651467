"""Every module says what it exports (`__all__`), and those names are real."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

import wisp

MODULES = sorted(
    [wisp.__name__]
    + [m.name for m in pkgutil.walk_packages(wisp.__path__, prefix=f"{wisp.__name__}.")]
)
#: Names whose import from another wisp module is known not to be in that module's `__all__`.
PRIVATE_IMPORTS_KNOWN = {"wisp.cli.scan"}


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_walk_finds_the_package() -> None:
    for expected in (
        "wisp.config",
        "wisp.plugins",
        "wisp.discovery.scanner",
        "wisp.discovery.sources.filesystem",
        "wisp.cli.scan",
    ):
        assert expected in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_all_and_every_name_exists(name: str) -> None:
    module = _module(name)

    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = list(module.__all__)
    assert all(isinstance(n, str) for n in exported)
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names what it does not define: {missing}"


# Hook specifications are read by pluggy from the module, never imported by name.
@pytest.mark.parametrize("name", [n for n in MODULES if n != "wisp.hookspecs"])
def test_public_classes_and_functions_are_exported(name: str) -> None:
    module = _module(name)
    # A route's handler is reached through its module's `router`, which is exported.
    router = getattr(module, "router", None)
    endpoints = {getattr(route, "endpoint", None) for route in getattr(router, "routes", ())}
    defined = [
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == name
        and obj not in endpoints
    ]

    assert sorted(set(defined) - set(module.__all__)) == []


def _imports_from_wisp(name: str) -> list[tuple[str, str]]:
    source = Path(inspect.getfile(_module(name))).read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and (node.module == "wisp" or node.module.startswith("wisp."))
        ):
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
        )
        if n in PRIVATE_IMPORTS_KNOWN
        else n
        for n in MODULES
    ],
)
def test_modules_import_only_exported_names_from_each_other(name: str) -> None:
    private = []
    for source, imported in _imports_from_wisp(name):
        target = _module(source)
        if isinstance(getattr(target, imported, None), ModuleType):
            continue  # `from wisp import hookspecs`: a submodule
        if imported not in target.__all__:
            private.append(f"{source}.{imported}")

    assert private == []


def test_version_matches_the_installed_distribution() -> None:
    assert wisp.__version__ == metadata.version("wisp")


def test_package_is_typed() -> None:
    assert (Path(wisp.__file__).parent / "py.typed").is_file()
