"""Uids: stable, unique, at most 40 characters; folder and uid exposed for the manifests."""

from __future__ import annotations

import json

from dashboards_support import catalog_from_text, render_bytes

from obskit.renderers.dashboards import dashboard_folder, dashboard_refs, dashboard_uid
from obskit.renderers.dashboards.uid import overview_uid


def test_two_renders_are_byte_identical(example_catalog):
    assert render_bytes(example_catalog) == render_bytes(example_catalog)


def test_uids_unique_short_and_from_names(example_catalog):
    files = {p: json.loads(b) for p, b in render_bytes(example_catalog).items()}
    uids = [d["uid"] for d in files.values()]
    assert len(set(uids)) == len(uids)
    assert all(len(u) <= 40 for u in uids)
    assert files["dashboards/checkout.json"]["uid"] == "online-shop-checkout"
    assert files["dashboards/overview/fleet.json"]["uid"] == "online-shop_fleet"


def test_refs_match_the_rendered_files(example_catalog):
    files = {p: json.loads(b) for p, b in render_bytes(example_catalog).items()}
    refs = dashboard_refs(example_catalog)
    assert {r.path for r in refs} == set(files)
    for ref in refs:
        dash = files[ref.path]
        assert dash["uid"] == ref.uid
        assert dash["title"] == ref.title
        if ref.folder != "Overview":
            assert f"team:{ref.folder}" in dash["tags"]
    assert dashboard_folder(example_catalog, "checkout") == "payments"
    assert dashboard_folder(example_catalog, None) == "Overview"


def test_long_names_are_hashed_and_stay_unique(tmp_path):
    prefix = "service-with-a-very-long-common-prefix-"
    catalog = catalog_from_text(
        tmp_path,
        f"""
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {{name: a-catalog-name-that-is-quite-long}}
teams: [{{name: t}}]
services:
  - {{name: {prefix}one, team: t}}
  - {{name: {prefix}two, team: t}}
  - {{name: short, team: t}}
""",
    )
    one = dashboard_uid(catalog, f"{prefix}one")
    two = dashboard_uid(catalog, f"{prefix}two")
    assert one != two and len(one) == len(two) == 40
    assert dashboard_uid(catalog, "short") == "a-catalog-name-that-is-quite-long-short"
    assert one == dashboard_uid(catalog, f"{prefix}one")  # pure function of the names
    uids = [r.uid for r in dashboard_refs(catalog)]
    assert len(set(uids)) == len(uids) and all(len(u) <= 40 for u in uids)
    assert overview_uid(catalog, "team-t") != dashboard_uid(catalog, "team-t")
    # with truncated uids, the overview links search by tag instead of /d/<uid>
    files = {p: json.loads(b) for p, b in render_bytes(catalog).items()}
    links = files["dashboards/overview/fleet.json"]["panels"][6]["fieldConfig"]["defaults"]["links"]
    assert links[0]["url"].startswith("/dashboards?tag=a-catalog-name-that-is-quite-long")


def test_manifests_can_import_uids_without_grafanalib():
    import subprocess
    import sys

    code = (
        "import sys, obskit.renderers.dashboards as d; "
        "assert 'grafanalib' not in sys.modules, 'grafanalib imported'; print(d.dashboard_uid)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
