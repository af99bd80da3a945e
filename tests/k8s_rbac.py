"""Test helper: ask Kubernetes' own RBAC authorizer (not a re-implementation) about RBAC objects.

``tests/go/rbaccheck`` is built, offline in GOPATH mode with ``-trimpath`` (so Go's build
cache is reused across temporary trees: ~3 min cold, seconds warm), inside Debian's
``kubernetes`` source tree that ``scripts/fetch_kubernetes_source.sh`` unpacks: it runs
``plugin/pkg/auth/authorizer/rbac`` (``Authorize``, and ``RulesFor``, what the server's
SelfSubjectRulesReview behind ``kubectl auth can-i --list`` returns) over static listers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from obskit.renderers.access.authorizer import Request

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "go" / "rbaccheck" / "main.go"
K8S_GOPATH = Path(os.environ.get("OBSKIT_K8S_GOPATH", "/var/cache/obskit/kubernetes-gopath"))
K8S_TREE = K8S_GOPATH / "src" / "k8s.io" / "kubernetes"
RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


def unavailable() -> str | None:
    """Why the real authorizer cannot be built here, or None."""
    if not shutil.which("go"):
        return "go not on PATH: apt-get install -y golang-go"
    if not (K8S_TREE / "plugin/pkg/auth/authorizer/rbac/rbac.go").is_file():
        return f"no Kubernetes source in {K8S_TREE}: run scripts/fetch_kubernetes_source.sh as root"
    return None


def build(workdir: Path) -> Path:
    """Build rbaccheck in a GOPATH under ``workdir`` whose k8s.io/kubernetes links the source."""
    tree = workdir / "gopath" / "src" / "k8s.io" / "kubernetes"
    tree.mkdir(parents=True)
    for entry in K8S_TREE.iterdir():
        (tree / entry.name).symlink_to(entry)
    (tree / "obskit_rbaccheck").mkdir()
    shutil.copy(SOURCE, tree / "obskit_rbaccheck" / "main.go")
    env = dict(os.environ, GO111MODULE="off", GOPATH=str(workdir / "gopath"), GOPROXY="off")
    env["GOFLAGS"] = ""
    binary = workdir / "rbaccheck"
    proc = subprocess.run(
        ["go", "build", "-trimpath", "-o", str(binary), "./obskit_rbaccheck"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"go build of rbaccheck failed:\n{proc.stdout}{proc.stderr}")
    return binary


def _wire(req: Request, user: str, groups: Iterable[str]) -> dict[str, Any]:
    resource, _, sub = req.resource.partition("/")
    return {
        "user": user,
        "groups": list(groups),
        "verb": req.verb,
        "apiGroup": req.api_group,
        "resource": resource,
        "subresource": sub,
        "namespace": req.namespace or "",
        "name": req.name or "",
        "path": req.path or "",
    }


class RealAuthorizer:
    """Kubernetes' RBAC authorizer over a fixed set of objects (one process per call)."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def _run(self, objects: Iterable[Mapping[str, Any]], **payload: Any) -> dict[str, Any]:
        rbac = [o for o in objects if o.get("kind") in RBAC_KINDS]
        proc = subprocess.run(
            [str(self.binary)],
            input=json.dumps({"objects": rbac, **payload}),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(proc.stdout)

    def decide(
        self,
        objects: Iterable[Mapping[str, Any]],
        asks: list[tuple[Request, str, tuple[str, ...]]],
    ) -> list[bool]:
        """Allowed or not, for each (request, user, groups)."""
        wire = [_wire(r, u, g) for r, u, g in asks]
        return [d["allowed"] for d in self._run(objects, requests=wire)["decisions"]]

    def rules_for(
        self, objects: Iterable[Mapping[str, Any]], user: str, groups: tuple[str, ...], ns: str
    ) -> list[tuple[str, str, str]]:
        """(verb, apiGroup, resource) the user may act on in ``ns``, as ``can-i --list``."""
        who = {"user": user, "groups": list(groups), "namespace": ns}
        (lines,) = self._run(objects, rulesFor=[who])["rules"]
        return [tuple(line.split(" ")[:3]) for line in lines]  # type: ignore[misc]
