"""Running the real promtool on rendered rule files and their unit tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "promtool not found on PATH: install it with `apt-get install -y prometheus` "
    "(Debian/Ubuntu) or from https://prometheus.io/download/"
)


class PromtoolMissing(RuntimeError):
    """promtool is not installed."""


def find_promtool() -> str:
    """The promtool path, or :class:`PromtoolMissing` with how to install it."""
    path = shutil.which("promtool")
    if not path:
        raise PromtoolMissing(INSTALL_HINT)
    return path


@dataclass(frozen=True)
class ServiceResult:
    """``promtool check rules`` and ``promtool test rules`` for one service."""

    service: str
    rules: int
    tests: int
    check_ok: bool
    test_ok: bool
    seconds: float
    output: str
    #: taken from the pass cache (promtool not run)
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.check_ok and self.test_ok


def _run(args: list[str], cwd: Path) -> tuple[bool, str]:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


#: a service's generated test files in ``alerts/tests/``: ``<service>.<suffix>``
TEST_SUFFIXES = ("test.yaml", "outages.test.yaml")


def service_test_files(alerts_dir: Path, service: str) -> list[Path]:
    """The service's test files that exist (``tests/<service>.test.yaml``, ``….outages…``)."""
    paths = (alerts_dir / "tests" / f"{service}.{suffix}" for suffix in TEST_SUFFIXES)
    return [p for p in paths if p.is_file()]


def check_and_test(alerts_dir: Path, service: str, promtool: str | None = None) -> ServiceResult:
    """Check ``<service>.rules.yaml`` and run its test files (if present)."""
    promtool = promtool or find_promtool()
    start = time.monotonic()
    rules_file = f"{service}.rules.yaml"
    check_ok, check_out = _run([promtool, "check", "rules", rules_file], alerts_dir)
    found = re.search(r"SUCCESS: (\d+) rules found", check_out)
    paths = service_test_files(alerts_dir, service)
    test_ok, test_out, tests = True, "", 0
    if paths:
        tests = sum(len(re.findall(r"^- name: ", p.read_text(), flags=re.MULTILINE)) for p in paths)
        test_ok, test_out = _run(
            [promtool, "test", "rules", *(p.name for p in paths)], paths[0].parent
        )
    return ServiceResult(
        service=service,
        rules=int(found.group(1)) if found else 0,
        tests=tests,
        check_ok=check_ok,
        test_ok=test_ok,
        seconds=time.monotonic() - start,
        output="\n".join(o for o in (check_out if not check_ok else "", test_out) if o),
    )


def services_in(alerts_dir: Path) -> list[str]:
    """Service names of the rule files in a rendered ``alerts/`` folder."""
    return sorted(p.name.removesuffix(".rules.yaml") for p in alerts_dir.glob("*.rules.yaml"))
