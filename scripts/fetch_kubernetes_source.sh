#!/usr/bin/env bash
# Put Debian's `kubernetes` source package (upstream tree with its vendor/) where
# tests/test_access_rbac_k8s.py builds a small program against Kubernetes' own RBAC
# authorizer (plugin/pkg/auth/authorizer/rbac), offline in GOPATH mode:
#   $OBSKIT_K8S_GOPATH/src/k8s.io/kubernetes   (default /var/cache/obskit/kubernetes-gopath)
# Source packages come from the deb-src twins of the machine's own apt sources (a private
# list: the machine's apt configuration is not changed). Idempotent; needs root or sudo only
# to write the default location.
set -euo pipefail
DEST=${OBSKIT_K8S_GOPATH:-/var/cache/obskit/kubernetes-gopath}
TREE="$DEST/src/k8s.io/kubernetes"
if [ -f "$TREE/plugin/pkg/auth/authorizer/rbac/rbac.go" ]; then
  exit 0
fi
WORK=$(mktemp -d)
chmod 755 "$WORK"  # apt downloads as _apt
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/parts" "$WORK/lists/partial" "$WORK/dl"
# deb822 files: the same URIs/suites/keys as the binary sources, as source sources
for f in /etc/apt/sources.list.d/*.sources; do
  [ -e "$f" ] || continue
  sed 's/^Types:.*/Types: deb-src/' "$f" >"$WORK/parts/$(basename "$f")"
done
# one-line format
: >"$WORK/sources.list"
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$WORK/sources.list"
fi
APT=(-o "Dir::Etc::SourceList=$WORK/sources.list" -o "Dir::Etc::SourceParts=$WORK/parts"
     -o "Dir::State::Lists=$WORK/lists")
apt-get "${APT[@]}" update -qq
(cd "$WORK/dl" && apt-get "${APT[@]}" source --download-only -qq kubernetes)
ORIG=$(ls "$WORK"/dl/kubernetes_*.orig.tar.* | head -n1)
mkdir -p "$DEST/src/k8s.io"
tar xf "$ORIG" -C "$WORK"
rm -rf "$TREE"
mv "$WORK"/kubernetes-*/ "$TREE"
echo "kubernetes source $(basename "$ORIG") in $TREE"
