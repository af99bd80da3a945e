"""`python -m obskit` runs the CLI."""

from obskit.cli import main

main()
