"""Lint checks: one module per check (see obskit.lint.CHECK_MODULES)."""
