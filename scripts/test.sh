#!/usr/bin/env bash
# The whole test suite: lint, unit and end-to-end tests (real promtool, Prometheus, kubectl
# kustomize, jsonschema), and the GitOps gate on the committed example output.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== the committed example output is current (obskit render catalog.yaml --check)"
obskit render catalog.yaml --check --no-cache
echo "== pytest"
pytest -q "$@"
