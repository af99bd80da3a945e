"""``obskit lint``: checks over the rendered rules, in the spirit of cloudflare/pint.

Every check is a module in :mod:`obskit.lint.checks` with the same small interface
(:class:`~obskit.lint.base.Check`): ``NAME``, ``DESCRIPTION`` and
``run(ctx: LintContext) -> Iterable[Finding]``, documented in ``docs/lint/<NAME>.md``. To
add a check, add a module and its name to :data:`CHECK_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from obskit.lint.base import Check, Finding, LintContext

#: the checks, in report order (module names under obskit.lint.checks)
CHECK_MODULES: tuple[str, ...] = (
    "duplicate_rules",
    "missing_for",
    "rate_range",
    "counter_without_rate",
    "rule_contract",
    "helm_keys",
    "threshold_bucket",
    "custom_sli_cluster",
    "access_shared_namespace",
    "access_missing_group",
    "rbac_wildcard",
)


def load_checks(names: Iterable[str] | None = None) -> list[Check]:
    """The check modules (all, or those named)."""
    wanted = list(names) if names is not None else list(CHECK_MODULES)
    checks: list[Check] = []
    for module in CHECK_MODULES:
        check = importlib.import_module(f"obskit.lint.checks.{module}")
        if check.NAME in wanted or module in wanted:
            checks.append(check)  # type: ignore[arg-type]
    return checks


def run_checks(ctx: LintContext, checks: Iterable[Check] | None = None) -> list[Finding]:
    """Every finding of every check, sorted by file and rule."""
    findings: list[Finding] = []
    for check in checks if checks is not None else load_checks():
        findings.extend(check.run(ctx))
    return sorted(findings, key=lambda f: (f.path, f.group, f.rule, f.check, f.message))


__all__ = ["CHECK_MODULES", "Check", "Finding", "LintContext", "load_checks", "run_checks"]
