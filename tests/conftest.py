"""Shared fixtures: the example catalog, the pinned reference data, real tools."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CATALOG = REPO / "catalog.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: ../shared/reference next to the repository (pinned chart defaults, CRDs, Grafana schema)
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def example_catalog():
    """The repository's example catalog, loaded and resolved."""
    from obskit.catalog.loader import load_catalog

    return load_catalog(EXAMPLE_CATALOG)


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference, or skip: the pinned upstream files are not part of the repo."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"{SHARED_REFERENCE} is absent: pinned upstream reference data not available")
    return SHARED_REFERENCE


def require_tool(name: str, install_hint: str) -> str:
    """Path of a real tool on PATH, or skip the test saying how to install it."""
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} not on PATH: {install_hint}")
    return path


@pytest.fixture(scope="session")
def promtool() -> str:
    """The real promtool (Debian package prometheus)."""
    return require_tool("promtool", "apt-get install -y prometheus")


@pytest.fixture(scope="session")
def amtool() -> str:
    """The real amtool (Debian package prometheus-alertmanager)."""
    return require_tool("amtool", "apt-get install -y prometheus-alertmanager")


@pytest.fixture(scope="session")
def kubectl() -> str:
    """kubectl, for `kubectl kustomize`."""
    return require_tool("kubectl", "install kubectl from your Kubernetes distribution")


@pytest.fixture(scope="session")
def libprom(tmp_path_factory: pytest.TempPathFactory):
    """A real Prometheus holding series shaped as the real libraries emit them
    (tests/library_expositions.py); shared by the preview and discover tests."""
    from library_expositions import write_openmetrics
    from preview_support import PrometheusServer, prometheus_binaries

    binaries = prometheus_binaries()
    if not binaries:
        pytest.skip("prometheus/promtool not on PATH: apt-get install -y prometheus")
    server = PrometheusServer(
        *binaries, tmp_path_factory.mktemp("libprom"), writer=write_openmetrics
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def load_script(relative: str) -> ModuleType:
    """A script of the repository (``scripts/x.py``, ``benchmarks/x.py``) imported as a module."""
    path = REPO / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
