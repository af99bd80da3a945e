"""Shared fixtures: the example catalog, the pinned reference data, real tools."""

from __future__ import annotations

import shutil
from pathlib import Path

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


@pytest.fixture(scope="session")
def promtool() -> str:
    """Path of the real promtool (Debian: apt-get install -y prometheus), or skip."""
    path = shutil.which("promtool")
    if not path:
        pytest.skip("promtool not on PATH: apt-get install -y prometheus")
    return path


@pytest.fixture(scope="session")
def kubectl() -> str:
    """Path of kubectl (for `kubectl kustomize`), or skip."""
    path = shutil.which("kubectl")
    if not path:
        pytest.skip("kubectl not on PATH")
    return path
