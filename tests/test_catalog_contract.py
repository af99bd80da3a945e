"""Every rule of the catalog contract, with a bad catalog each: the message names line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from obskit.catalog import CatalogError, load_catalog

FIXTURES = Path(__file__).parent / "fixtures"

BASE = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: shop
  cluster: c1
defaults:
  namespace: shop
  team: payments
teams:
  - name: payments
  - name: storefront
services:
  - name: checkout
    team: payments
    metrics:
      preset: grpc
    slos:
      - name: availability
        objective: 99.9
      - name: latency
        objective: 99
        threshold: 300ms
    dependsOn: [cart]
  - name: cart
    team: storefront
"""


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(write(tmp_path, text))
    return [str(p) for p in info.value.problems]


def test_base_is_valid(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, BASE))
    assert [s.name for s in catalog.services] == ["checkout", "cart"]


# (id, old text, new text, expected line, expected field path, message fragment, hint fragment)
CASES = [
    (
        "api-version",
        "apiVersion: obskit/v1",
        "apiVersion: obskit/v2",
        1,
        "apiVersion",
        "'obskit/v2' is not allowed",
        "obskit/v1",
    ),
    ("kind", "kind: ServiceCatalog", "kind: Catalog", 2, "kind", "not allowed", "ServiceCatalog"),
    (
        "metadata-name",
        "  name: shop\n",
        "  name: Shop_1\n",
        4,
        "metadata.name",
        "not a valid name",
        "lower-case",
    ),
    (
        "unknown-top-key",
        "teams:\n",
        "team:\n  - name: x\nteams:\n",
        9,
        "team",
        "unknown key `team`",
        "did you mean `teams`?",
    ),
    (
        "unknown-service-key",
        "    dependsOn: [cart]",
        "    dependson: [cart]",
        23,
        "services[0].dependson",
        "unknown key",
        "did you mean `dependsOn`?",
    ),
    (
        "team-undeclared",
        "    team: storefront\n",
        "    team: storefrnt\n",
        25,
        "services[1].team",
        "not declared",
        "did you mean `storefront`?",
    ),
    (
        "preset",
        "      preset: grpc",
        "      preset: grcp",
        16,
        "services[0].metrics.preset",
        "unknown preset `grcp`",
        "did you mean `grpc`?",
    ),
    (
        "tier",
        "    team: payments\n    metrics:",
        "    team: payments\n    tier: gold\n    metrics:",
        15,
        "services[0].tier",
        "'gold' is not allowed",
        "critical",
    ),
    (
        "service-name-dns",
        "  - name: cart\n",
        "  - name: Cart.v2\n",
        24,
        "services[1].name",
        "not a valid name",
        "",
    ),
    (
        "service-name-long",
        "  - name: cart\n",
        f"  - name: {'a' * 64}\n",
        24,
        "services[1].name",
        "longer than 63",
        "",
    ),
    (
        "namespace-dns",
        "  namespace: shop",
        "  namespace: Shop",
        7,
        "defaults.namespace",
        "not a valid name",
        "",
    ),
    (
        "objective-high",
        "        objective: 99.9",
        "        objective: 100",
        19,
        "services[0].slos[0].objective",
        "less than 100",
        "",
    ),
    (
        "objective-zero",
        "        objective: 99.9",
        "        objective: 0",
        19,
        "services[0].slos[0].objective",
        "greater than 0",
        "",
    ),
    (
        "threshold-not-bucket",
        "threshold: 300ms",
        "threshold: 270ms",
        22,
        "services[0].slos[1].threshold",
        "not a bucket bound",
        "250ms or 300ms",
    ),
    (
        "threshold-not-duration",
        "threshold: 300ms",
        "threshold: fast",
        22,
        "services[0].slos[1].threshold",
        "not a duration",
        "250ms",
    ),
    (
        "latency-without-threshold",
        "        threshold: 300ms\n",
        "",
        20,
        "services[0].slos[1]",
        "needs a `threshold`",
        "",
    ),
    (
        "depends-unknown",
        "dependsOn: [cart]",
        "dependsOn: [carts]",
        23,
        "services[0].dependsOn[0]",
        "not a service of this catalog",
        "did you mean `cart`?",
    ),
    (
        "duplicate-service",
        "  - name: cart\n    team: storefront\n",
        "  - name: cart\n    team: storefront\n  - name: checkout\n",
        26,
        "services[2].name",
        "duplicate service `checkout`",
        "first declared",
    ),
    (
        "duplicate-team",
        "  - name: storefront\n",
        "  - name: storefront\n  - name: payments\n",
        12,
        "teams[2].name",
        "duplicate team",
        "",
    ),
    (
        "slo-window",
        "  team: payments\nteams:",
        "  team: payments\n  slo: {window: 14d}\nteams:",
        9,
        "defaults.slo.window",
        "'14d' is not allowed",
        "7d",
    ),
    (
        "workload-kind",
        "    team: storefront\n",
        "    team: storefront\n    workload: {kind: Job}\n",
        26,
        "services[1].workload.kind",
        "'Job' is not allowed",
        "",
    ),
    (
        "severity",
        "    team: storefront\n",
        "    team: storefront\n    alerts:\n      - {alert: X, expr: up == 0, severity: page, "
        "summary: s}\n",
        27,
        "services[1].alerts[0].severity",
        "'page' is not allowed",
        "",
    ),
    (
        "alert-expr",
        "    team: storefront\n",
        "    team: storefront\n    alerts:\n      - {alert: X, expr: 'sum(rate(x[5m])', summary: s}\n",
        27,
        "services[1].alerts[0].expr",
        "not valid PromQL",
        "",
    ),
    (
        "preset-none-slo",
        "      preset: grpc",
        "      preset: none",
        18,
        "services[0].slos[0]",
        "has no SLI for this SLO",
        "",
    ),
    (
        "secret-ref-shape",
        "  - name: storefront\n",
        "  - name: storefront\n    alerting:\n      slack: {channel: '#x', apiURLSecret: "
        "https://hooks.example.com/x}\n",
        13,
        "teams[1].alerting.slack.apiURLSecret",
        "expected a mapping",
        "",
    ),
    (
        "selector-label",
        "      preset: grpc",
        "      preset: grpc\n      selector: {'bad-label': x}",
        17,
        "services[0].metrics.selector",
        "not a Prometheus label name",
        "",
    ),
    (
        "scrape-interval",
        "      preset: grpc",
        "      preset: grpc\n      scrape: {interval: often}",
        17,
        "services[0].metrics.scrape.interval",
        "not a duration",
        "",
    ),
    (
        "env-quantity",
        "  - name: cart\n    team: storefront\n",
        "  - name: cart\n    team: storefront\nenvironments:\n  prod:\n    prometheus: "
        "{storage: lots}\n",
        28,
        "environments.prod.prometheus.storage",
        "not a Kubernetes quantity",
        "",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "message", "hint"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_contract_rule(
    tmp_path: Path, old: str, new: str, line: int, path: str, message: str, hint: str
) -> None:
    assert old in BASE, old
    found = problems(tmp_path, BASE.replace(old, new, 1))
    matching = [p for p in found if f": {path}: " in p]
    assert matching, f"no problem for {path} in {found}"
    text = matching[0]
    assert f"catalog.yaml:{line}:" in text, text
    assert message in text, text
    assert hint in text, text


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    text = BASE.replace("    team: storefront\n", "    team: storefront\n    team: payments\n")
    found = problems(tmp_path, text)
    assert any("catalog.yaml:26:5: services[1].team: duplicate key `team`" in p for p in found)


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    found = problems(tmp_path, BASE + "metadata:\n  name: other\n")
    assert any(":26:1: metadata: duplicate key" in p for p in found), found


def test_every_problem_reported_together(tmp_path: Path) -> None:
    text = BASE.replace("storefront\n", "storefrnt\n", 1).replace("[cart]", "[cartt]")
    found = problems(tmp_path, text)
    assert len(found) >= 2


def test_syntax_error_located(tmp_path: Path) -> None:
    found = problems(tmp_path, BASE.replace("  cluster: c1", "  cluster: [c1"))
    assert "catalog.yaml:" in found[0] and "not valid YAML" in found[0]


def test_missing_metadata(tmp_path: Path) -> None:
    text = BASE.replace("metadata:\n  name: shop\n  cluster: c1\n", "")
    assert any("no `metadata`" in p for p in problems(tmp_path, text))


def test_no_service_no_team(tmp_path: Path) -> None:
    text = "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: x}\n"
    found = problems(tmp_path, text)
    assert any("no team" in p for p in found) and any("no service" in p for p in found)


def test_minimal_catalog_and_defaults(tmp_path: Path) -> None:
    text = """\
    apiVersion: obskit/v1
    kind: ServiceCatalog
    metadata: {name: tiny}
    teams: [{name: a}]
    services: [{name: api, team: a}]
    """
    catalog = load_catalog(write(tmp_path, text))
    svc = catalog.services[0]
    assert svc.namespace == "default" and svc.tier == "standard"
    assert svc.metrics.preset == "prometheus-http"
    assert svc.metrics.selector == {"job": "api", "namespace": "default"}
    assert svc.workload.kind == "Deployment" and svc.workload.name == "api"
    assert list(catalog.environments) == ["default"]


def test_defaults_apply_and_service_preset_gets_its_selector(tmp_path: Path) -> None:
    catalog = load_catalog(
        write(
            tmp_path,
            BASE.replace(
                "  team: payments\nteams",
                "  team: payments\n  tier: low\n"
                "  metrics: {preset: istio}\n"
                "  slo: {window: 7d}\nteams",
            ),
        )
    )
    checkout, cart = catalog.services
    assert checkout.tier == cart.tier == "low"
    assert checkout.metrics.preset == "grpc"
    assert checkout.metrics.selector == {"job": "checkout", "namespace": "shop"}
    assert cart.metrics.preset == "istio"
    assert cart.metrics.selector == {
        "destination_workload": "cart",
        "destination_workload_namespace": "shop",
    }
    assert {s.window for s in checkout.slos} == {"7d"}
    assert [s.kind for s in checkout.slos] == ["availability", "latency"]
    assert checkout.slos[1].threshold_seconds == pytest.approx(0.3)


def test_declared_buckets_make_a_threshold_valid(tmp_path: Path) -> None:
    text = BASE.replace("threshold: 300ms", "threshold: 270ms").replace(
        "      preset: grpc", "      preset: grpc\n      buckets: [100ms, 270ms, 1s]"
    )
    catalog = load_catalog(write(tmp_path, text))
    assert catalog.services[0].metrics.buckets == (0.1, 0.27, 1.0)


def test_contract_example_directory_is_valid() -> None:
    catalog = load_catalog(FIXTURES / "contract-dir")
    checkout = catalog.service("checkout")
    assert checkout.metrics.preset == "grpc" and checkout.metrics.selector == {"job": "checkout"}
    assert checkout.trace_service == "checkoutservice"
    assert checkout.alerts[0].for_ == "10m"
    assert set(catalog.environments) == {"dev", "prod"}
    assert catalog.team("payments").alerting.slack.api_url_secret.key == "url"


def test_contract_example_alone_names_its_unknown_dependencies() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(FIXTURES / "contract-dir" / "00-contract-example.yaml")
    text = info.value.render()
    assert "services[0].dependsOn[0]: `payment` is not a service" in text
    assert "services[0].dependsOn[1]: `cart` is not a service" in text


def test_example_catalog_uses_every_preset(example_catalog) -> None:
    from obskit.catalog.presets import PRESET_NAMES

    assert {s.metrics.preset for s in example_catalog.services} == set(PRESET_NAMES)
    assert len(example_catalog.services) >= 8 and len(example_catalog.teams) >= 3
    assert set(example_catalog.environments) == {"staging", "production"}
