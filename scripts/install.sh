#!/usr/bin/env bash
# Install obskit and the tools its tests use on a Debian machine with Python >= 3.11:
#   - promtool, prometheus and amtool from Debian (apt-get install -y prometheus
#     prometheus-alertmanager), when root or sudo;
#   - Go and the Go sources the conformance suite's Go apps build from, offline in GOPATH
#     mode (apt-get install -y golang-go golang-github-prometheus-client-golang-dev
#     golang-github-grpc-ecosystem-go-grpc-prometheus-dev golang-google-grpc-dev), when root
#     or sudo; without them those two conformance cases are skipped;
#   - chromium (apt-get install -y chromium), headless, for the `obskit report` tests
#   - Debian's kubernetes source package (scripts/fetch_kubernetes_source.sh), which
#     tests/test_access_rbac_k8s.py builds Kubernetes' own RBAC authorizer from (offline,
#     GOPATH mode), when root or sudo;
#   - lua5.4 and ruby (apt-get install -y lua5.4 ruby), which run the rendered fluent-bit
#     Lua and fluentd Ruby log routing in the tests (docs/access.md), when root or sudo;
#   - a virtual environment in .venv with obskit and its dev dependencies.
# Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# apt_install "PACKAGES" "what is skipped without them": as root or with sudo, else a note.
apt_install() {
  # shellcheck disable=SC2086  # a word list
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq $1 >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo apt-get install -y -qq $1 >/dev/null
  else
    echo "note: not root and no sudo: install them yourself (apt-get install -y $1);" >&2
    echo "      until then $2 are skipped." >&2
  fi
}

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then
  apt_install "prometheus prometheus-alertmanager" "the promtool, Prometheus and amtool tests"
  # Debian starts no service here (no systemd in containers); stop one if it did.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus || true
  fi
fi

INTERPRETERS="lua5.4 ruby"
if ! command -v lua5.4 >/dev/null 2>&1 || ! command -v ruby >/dev/null 2>&1; then
  apt_install "$INTERPRETERS" "the log routing tests (tests/test_helm_log_routing.py)"
fi

if ! command -v chromium >/dev/null 2>&1; then
  # headless chromium opens the `obskit report` pages in tests/test_report.py
  apt_install chromium "the report browser tests (tests/test_report.py)"
fi

GO_PACKAGES="golang-go golang-github-prometheus-client-golang-dev golang-github-grpc-ecosystem-go-grpc-prometheus-dev golang-google-grpc-dev"
if ! command -v go >/dev/null 2>&1 \
   || [ ! -d /usr/share/gocode/src/github.com/prometheus/client_golang ] \
   || [ ! -d /usr/share/gocode/src/github.com/grpc-ecosystem/go-grpc-prometheus ] \
   || [ ! -d /usr/share/gocode/src/google.golang.org/grpc ]; then
  apt_install "$GO_PACKAGES" "the conformance suite's Go apps (client_golang, go-grpc-prometheus)"
fi

K8S_GOPATH=${OBSKIT_K8S_GOPATH:-/var/cache/obskit/kubernetes-gopath}
if [ ! -f "$K8S_GOPATH/src/k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac/rbac.go" ]; then
  K8S_SKIPPED="note: no Kubernetes source: tests/test_access_rbac_k8s.py is skipped"
  if [ "$(id -u)" = 0 ]; then
    bash scripts/fetch_kubernetes_source.sh || echo "$K8S_SKIPPED" >&2
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo env OBSKIT_K8S_GOPATH="$K8S_GOPATH" bash scripts/fetch_kubernetes_source.sh \
      || echo "$K8S_SKIPPED" >&2
  else
    echo "note: not root and no sudo: the RBAC checks by Kubernetes' own authorizer" \
         "(tests/test_access_rbac_k8s.py) are skipped; run scripts/fetch_kubernetes_source.sh as root." >&2
  fi
fi

if ! command -v kubectl >/dev/null 2>&1; then
  echo "note: kubectl not found (it is not a Debian package): the \`kubectl kustomize\` checks" \
       "are skipped; install kubectl from your Kubernetes distribution to run them." >&2
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/pip install -q -e '.[dev]' 2>&1 | grep -v "is ignored" || true
.venv/bin/obskit --help >/dev/null
echo "obskit installed in .venv ($(.venv/bin/python -c 'import obskit; print(obskit.__version__)'));" \
     "promtool: $(command -v promtool || echo missing)"
