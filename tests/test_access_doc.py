"""docs/access.md's who-can-see-what table is current with the example catalog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from obskit.renderers.access.table import BEGIN, END, access_table, with_table

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "build_access_doc.py"


def test_the_committed_table_is_current():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_changed_catalog_makes_the_table_stale(example_catalog):
    doc = (REPO / "docs" / "access.md").read_text()
    assert with_table(doc, example_catalog) == doc
    teams = tuple(
        t.model_copy(update={"access": None}) if t.name == "payments" else t
        for t in example_catalog.teams
    )
    changed = example_catalog.model_copy(update={"teams": teams})
    table = access_table(changed)
    assert "| payments | `-` | nothing | none |" in table
    assert with_table(doc, changed) != doc
    assert doc.count(BEGIN) == doc.count(END) == 1
