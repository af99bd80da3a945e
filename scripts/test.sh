#!/usr/bin/env bash
# The whole test suite: lint, the GitOps gate and real tools on the committed example output,
# then pytest (real promtool, Prometheus, amtool, kubectl kustomize, jsonschema).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== the committed example output is current (obskit render catalog.yaml --check)"
obskit render catalog.yaml --check --no-cache
echo "== obskit lint on the example"
obskit lint catalog.yaml
if command -v promtool >/dev/null 2>&1; then
  echo "== promtool on the committed alerts/"
  promtool check rules alerts/*.rules.yaml >/dev/null
  promtool test rules alerts/tests/*.test.yaml >/dev/null
  echo "promtool check rules and test rules: SUCCESS ($(ls alerts/*.rules.yaml | wc -l) rule files)"
else
  echo "== promtool missing (apt-get install -y prometheus): its checks are skipped"
fi
if command -v kubectl >/dev/null 2>&1; then
  echo "== kubectl kustomize manifests/"
  kubectl kustomize manifests/ >/dev/null && echo "kustomize build: OK"
else
  echo "== kubectl missing: the kustomize build of manifests/ is skipped"
fi
echo "== pytest"
pytest -q "$@"
