"""The `obskit` command line: a thin typer layer over the library API.

Exit codes (every command):
  0  success; with ``render --check``: the output tree is current
  1  the work ran and found something: stale output (--check), failing rule tests, lint
     findings, critical alerts firing (preview)
  2  bad input: an invalid catalog, a bad option, a hand-written file in the way
  3  the environment: a tool missing (promtool, prometheus), a server unreachable
"""

from __future__ import annotations

import importlib

import typer

EXIT_OK, EXIT_FOUND, EXIT_INPUT, EXIT_ENV = 0, 1, 2, 3

app = typer.Typer(
    name="obskit",
    help="Render dashboards, alert rules with tests, Helm values and GitOps manifests from a "
    "service catalog.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: command modules; each registers its commands on ``app`` when imported
COMMAND_MODULES = (
    "catalog_cmds",
    "render_cmd",
    "test_cmd",
    "lint_cmd",
    "preview_cmd",
    "report_cmd",
    "discover_cmd",
    "import_cmd",
    "export_cmd",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"obskit.cli.{_name}")


def main() -> None:
    """Console-script entry point."""
    app()
