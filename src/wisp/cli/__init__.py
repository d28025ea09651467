"""The `wisp` command line: one module per command group."""

__all__ = ["main"]


def main() -> None:
    """Entry point of the `wisp` command."""
    from wisp.cli.app import cli

    cli()
