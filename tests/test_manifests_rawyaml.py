"""The manifests writer (``rawyaml.dump_documents``) gives PyYAML's bytes.

Documents are written by ``dump_block_yaml`` with long strings (a dashboard's compact JSON)
written without asking PyYAML and rule groups carried as text: the bytes must be those
PyYAML writes for the same documents (rule groups spliced in as before).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from obskit.catalog.loader import load_catalog
from obskit.render.serialize import dump_yaml, dump_yaml_documents
from obskit.renderers.manifests import rawyaml
from obskit.renderers.manifests.build import objects_for_files, sort_and_check
from obskit.renderers.manifests.objects import Serializer, dashboard_config_map, service_monitor
from obskit.renderers.manifests.rawyaml import dump_documents

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = [ROOT / "catalog.yaml", ROOT / "examples" / "multicluster" / "catalog.yaml"]
#: characters libyaml treats differently on a literal block's line (breaks, BOM, past the
#: BMP, C1 controls, tab), and ordinary ones
CHARS = [
    *"ab{}\":, -#|>'\t\\",
    *"\u00a0\u0085\u2028\u2029\ufeff\ufffe\ue000\ud7ff\U0001f600\u00e9\u2014\x7f\x80\x9f",
    *"\x00\ufffd\uff00\u200b\u3000\u00b7",
]


def _pyyaml(docs: list[dict], header: str) -> bytes:
    """What PyYAML writes for the documents, carried rule groups spliced in as they are."""
    parts = [rawyaml._dumped_document(doc) for doc in docs]
    return (f"# {header}\n---\n" + "---\n".join(parts)).encode()


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.name)
def test_service_documents_are_pyyaml_bytes(path):
    from obskit.render.registry import renderer_units, units_session

    catalog = load_catalog(path)
    services = {s.name: s for s in catalog.services}
    checked = 0
    with units_session():
        for name in ("dashboards", "alerts"):
            for unit in renderer_units(name, catalog):
                objects = objects_for_files(Serializer(), services, dict(unit.produce()), None)
                owner = services.get(unit.key.removeprefix("service/"))
                monitor = owner and service_monitor(Serializer(), owner)
                objects += [monitor] if monitor else []
                if not objects:
                    continue
                docs = sort_and_check(objects, unit.key)
                assert dump_documents(docs, "h") == _pyyaml(docs, "h")
                checked += len(docs)
    assert checked >= 8


def test_long_strings_are_pyyaml_bytes():
    rng = random.Random(18)
    fast = 0
    for _ in range(20000):
        line = "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 8)))
        value = line + "\n" if rng.random() < 0.9 else line
        for indent in (2, 4):
            got = rawyaml._long_scalar(value, indent)
            pad = " " * (indent - 2)
            expected = dump_yaml({"k": value}, sort_keys=False).decode()
            expected = "".join(pad + s + "\n" if s else "\n" for s in expected.split("\n")[:-1])
            if got is not None:
                fast += 1
                assert pad + "k:" + got == expected, repr(value)
    assert fast > 1000


def test_dashboard_json_spliced_like_pyyaml():
    import orjson

    for title in ("caf\u00e9 \u2014 p99 \u00b7 \U0001f600", "caf\u00e9 \u2014 p99", "plain"):
        data = orjson.dumps({"title": title * 100, "x": " a "})
        cm = dashboard_config_map(
            Serializer(),
            name="a",
            namespace="b",
            key="a.json",
            dashboard=data,
            folder="t",
            source="s",
        )
        assert dump_documents([cm], "h") == dump_yaml_documents([cm], header="h")
