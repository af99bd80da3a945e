"""The validation cache: ``obskit validate`` renders only units whose fingerprint has not
passed before, and never lets a cached verdict hide a refusal ``render`` would make."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from obskit.catalog import load_catalog
from obskit.render import parallel
from obskit.render.output import OutputError
from obskit.render.pipeline import dry_render

CATALOG = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: shop
  plugins: {{dashboards: [{plugins}]}}
teams: [{{name: a}}]
services:
  - {{name: api, team: a, metrics: {{preset: prometheus-http}}, slos: [{{name: availability, objective: {objective}}}]}}
  - {{name: web, team: a, metrics: {{preset: prometheus-http}}}}
"""

PLUGIN_SMALL = """
import grafanalib.core as G


def extra(service, catalog):
    return [G.Stat(title="extra", targets=[G.Target(expr="up")])]
"""

PLUGIN_HUGE = '''
import grafanalib.core as G


def extra(service, catalog):
    """Enough panels that the dashboard no longer fits one ConfigMap (1 MiB)."""
    return [G.Stat(title=f"panel {i}", description="x" * 200, targets=[G.Target(expr="up")])
            for i in range(3000)]
'''


@pytest.fixture(autouse=True)
def cache_dir(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def produced(monkeypatch) -> list[str]:
    """The unit keys the dry render produces (not taken from the cache)."""
    calls: list[str] = []
    real = parallel.shared_produce

    def counting(renderer, unit):
        calls.append(f"{renderer}:{unit.key}")
        return real(renderer, unit)

    monkeypatch.setattr(parallel, "shared_produce", counting)
    return calls


def write(tmp_path: Path, objective: str = "99.9", plugins: str = "") -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG.format(objective=objective, plugins=plugins))
    return path


def validate(path: Path, cached: bool = True) -> int:
    return dry_render(load_catalog(path), cache_name=str(path) if cached else None)


def test_a_second_validate_renders_no_unit_and_counts_the_same_files(tmp_path, produced):
    path = write(tmp_path)
    files = validate(path)
    first = list(produced)
    assert first and files > 0
    produced.clear()
    assert validate(path) == files
    assert produced == [], "every unit passed before with the same fingerprint"


def test_one_changed_service_renders_its_units_and_the_catalog_wide_ones(tmp_path, produced):
    path = write(tmp_path)
    validate(path)
    produced.clear()
    validate(write(tmp_path, objective="99.5"))
    assert produced, "a changed SLO must be rendered again"
    assert any(key.endswith("/api") for key in produced)
    assert not any(key.endswith("/web") for key in produced), "web did not change"


def fresh_plugins() -> None:
    """Forget loaded plugin modules, as a new ``obskit validate`` process would."""
    from obskit.renderers.dashboards.plugins import _load_file

    _load_file.cache_clear()


def test_a_changed_plugin_is_validated_again_though_the_catalog_is_the_same(tmp_path):
    plugin = tmp_path / "plugs.py"  # found next to the catalog
    plugin.write_text(PLUGIN_SMALL)
    path = write(tmp_path, plugins='"plugs:extra"')
    fresh_plugins()
    validate(path)
    plugin.write_text(PLUGIN_HUGE)
    fresh_plugins()
    with pytest.raises(OutputError, match="too large for one ConfigMap"):
        validate(path)
    fresh_plugins()


def test_an_edited_helper_module_of_a_plugin_package_is_validated_again(tmp_path):
    package = tmp_path / "plugs"  # a package next to the catalog; the plugin imports a helper
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("N = 1\n")
    (package / "panels.py").write_text(
        "import grafanalib.core as G\n\nfrom plugs.helpers import N\n\n\n"
        "def extra(service, catalog):\n"
        "    return [G.Stat(title=f'p{i}', description='x' * 200, targets=[G.Target(expr='up')])\n"
        "            for i in range(N)]\n"
    )
    path = write(tmp_path, plugins='"plugs.panels:extra"')
    sys.path.insert(0, str(tmp_path))
    try:
        fresh_plugins()
        validate(path)
        (package / "helpers.py").write_text("N = 3000\n")  # now over 1 MiB
        for name in ("plugs", "plugs.helpers", "plugs.panels"):
            sys.modules.pop(name, None)
        fresh_plugins()
        with pytest.raises(OutputError, match="too large for one ConfigMap"):
            validate(path)
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("plugs", "plugs.helpers", "plugs.panels"):
            sys.modules.pop(name, None)
        fresh_plugins()


def test_a_refused_catalog_is_not_kept_and_is_refused_again(tmp_path, cache_dir):
    path = write(tmp_path)
    validate(path)
    kept = {p: p.read_bytes() for p in cache_dir.iterdir()}
    (tmp_path / "plugs.py").write_text(PLUGIN_HUGE)
    bad = write(tmp_path, plugins='"plugs:extra"')
    for _ in range(2):
        fresh_plugins()
        with pytest.raises(OutputError, match="too large"):
            validate(bad)
    fresh_plugins()
    assert {p: p.read_bytes() for p in cache_dir.iterdir()} == kept


def test_a_new_code_fingerprint_renders_everything_again(tmp_path, monkeypatch, produced):
    path = write(tmp_path)
    validate(path)
    first = sorted(produced)
    produced.clear()
    monkeypatch.setattr("obskit.render.cache.code_fingerprint", lambda: "other code")
    validate(path)
    assert sorted(produced) == first


def test_cached_paths_still_take_part_in_the_produced_twice_check(tmp_path, cache_dir):
    path = write(tmp_path)
    validate(path)
    (kept,) = cache_dir.glob("validate-*.json")
    data = json.loads(kept.read_text())
    units = data["units"]
    api = next(k for k in units if k.startswith("dashboards:") and k.endswith("/api"))
    web = next(k for k in units if k.startswith("dashboards:") and k.endswith("/web"))
    units[web]["files"] = units[web]["files"] + units[api]["files"][:1]
    kept.write_text(json.dumps(data))
    with pytest.raises(OutputError, match="produced twice"):
        validate(path)


@pytest.mark.parametrize("path", ["../outside.json", "/etc/passwd", "a/./b", "a//b", 7])
def test_a_cached_path_no_render_could_produce_renders_the_unit_again(
    tmp_path, cache_dir, produced, path
):
    catalog = write(tmp_path)
    count = validate(catalog)
    (kept,) = cache_dir.glob("validate-*.json")
    data = json.loads(kept.read_text())
    web = next(k for k in data["units"] if k.startswith("dashboards:") and k.endswith("/web"))
    data["units"][web]["files"].append(path)
    kept.write_text(json.dumps(data))
    produced.clear()
    assert validate(catalog) == count, "no refusal for what the cache holds"
    assert produced == [web]


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "not json",
        "[]",
        '{"version": 1, "units": []}',
        '{"version": 1, "units": {"x": {"files": 3}}}',
    ],
)
def test_a_damaged_cache_file_only_costs_a_render(tmp_path, cache_dir, produced, junk):
    path = write(tmp_path)
    count = validate(path)
    everything = sorted(produced)
    (kept,) = cache_dir.glob("validate-*.json")
    kept.write_text(junk)
    produced.clear()
    assert validate(path) == count
    assert sorted(produced) == everything


def test_no_cache_renders_everything_and_keeps_nothing(tmp_path, cache_dir, produced):
    path = write(tmp_path)
    validate(path, cached=False)
    first = sorted(produced)
    produced.clear()
    validate(path, cached=False)
    assert sorted(produced) == first
    assert not cache_dir.exists() or not list(cache_dir.glob("validate-*"))


def test_the_cli_validates_from_the_cache_and_no_cache_turns_it_off(tmp_path, cache_dir):
    path = write(tmp_path)

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "obskit", "validate", str(path), "-q", *extra],
            capture_output=True,
            text=True,
            env=os.environ,
        )

    assert run("--no-cache").returncode == 0
    assert not cache_dir.exists() or not list(cache_dir.glob("validate-*"))
    assert run().returncode == 0
    assert len(list(cache_dir.glob("validate-*.json"))) == 1
    # the cached run renders no unit: no renderer's library is even imported
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            f"sys.argv = ['obskit', 'validate', {str(path)!r}, '-q']\n"
            "from obskit.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in ('kubernetes', 'grafanalib') if m in sys.modules))\n",
        ],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[]"
    assert run("--no-cache").returncode == 0


PLUGIN_PIDS = """
import os
from pathlib import Path


def extra(service, catalog):
    Path(os.environ["PIDS"], f"{os.getpid()}-{service.name}").touch()
    if service.name in os.environ.get("BREAK", "").split(","):
        raise RuntimeError(f"cannot draw {service.name}")
    return []
"""


def test_validate_renders_on_every_core_and_says_what_a_serial_validate_says(
    tmp_path, monkeypatch, cache_dir
):
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)  # workers even for a few units
    (tmp_path / "plugs.py").write_text(PLUGIN_PIDS)
    services = "".join(f"  - {{name: s{i:02d}, team: a}}\n" for i in range(12))
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG.format(objective="99.9", plugins='"plugs:extra"') + services)
    pids = tmp_path / "pids"
    pids.mkdir()
    monkeypatch.setenv("PIDS", str(pids))
    fresh_plugins()
    counts = {jobs: dry_render(load_catalog(path), jobs=jobs) for jobs in (1, 2)}
    assert counts[1] == counts[2] > 40
    drawn_by = {p.name.split("-")[0] for p in pids.iterdir()}
    assert len(drawn_by - {str(os.getpid())}) >= 1, "workers drew dashboards too"
    errors = {}
    monkeypatch.setenv("BREAK", "s07,s03,web")
    for jobs in (1, 2):
        fresh_plugins()
        with pytest.raises(OutputError) as caught:
            dry_render(load_catalog(path), jobs=jobs, cache_name=str(path))
        errors[jobs] = str(caught.value)
    assert errors[1] == errors[2] == "dashboard plugin plugs:extra failed for s03: cannot draw s03"
    assert not list(cache_dir.glob("validate-*")), "a refused validate keeps nothing"
    monkeypatch.delenv("BREAK")
    fresh_plugins()
    assert dry_render(load_catalog(path), jobs=2, cache_name=str(path)) == counts[1]
    before = set(pids.iterdir())
    assert dry_render(load_catalog(path), jobs=2, cache_name=str(path)) == counts[1]
    assert set(pids.iterdir()) == before, "what workers validated is kept: nothing is drawn again"


def test_a_cached_entry_naming_one_path_twice_renders_the_unit_again(tmp_path, cache_dir, produced):
    """A unit's files are unique (a render's dict): a repeated path is damage, not a
    refusal ('produced twice (by X and X)')."""
    catalog = write(tmp_path)
    count = validate(catalog)
    (kept,) = cache_dir.glob("validate-*.json")
    data = json.loads(kept.read_text())
    web = next(k for k in data["units"] if k.startswith("dashboards:") and k.endswith("/web"))
    data["units"][web]["files"] *= 2
    kept.write_text(json.dumps(data))
    produced.clear()
    assert validate(catalog) == count
    assert produced == [web]
