"""scripts/preview_demo.py: synthetic data for the example catalog that promtool accepts."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from obskit.catalog.loader import load_catalog
from obskit.queries import has_metrics, preset_of
from obskit.renderers.alerts.promtool_tests import base_labels

from conftest import load_script

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CATALOG = REPO / "catalog.yaml"


def _demo():
    return load_script("scripts/preview_demo.py")


def test_demo_data_covers_every_service_and_backfills(promtool: str, tmp_path: Path) -> None:
    demo = _demo()
    catalog = load_catalog(EXAMPLE_CATALOG)
    text = demo.openmetrics(list(catalog.services), {"checkout"}, time.time(), hours=1)
    for service in catalog.services:
        if has_metrics(service):
            preset = preset_of(service)
            # regex selector values (`~a|b`) appear as a value they match
            labels = base_labels(service)
            selector = ",".join(f'{k}="{labels[k]}"' for k in sorted(service.metrics.selector))
            assert selector in text, service.name
            assert f"{preset.histogram}{{" in text
    source = tmp_path / "data.om"
    source.write_text(text)
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tmp_path / "d")],
        check=True,
        capture_output=True,
    )
    assert any((tmp_path / "d").iterdir())
