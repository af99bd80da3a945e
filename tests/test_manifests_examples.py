"""The GitOps examples point at the rendered manifests/ folder, and the docs link them."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_argocd_application():
    (app,) = yaml.safe_load_all((REPO / "examples/argocd-application.yaml").read_text())
    assert (app["apiVersion"], app["kind"]) == ("argoproj.io/v1alpha1", "Application")
    assert app["spec"]["source"]["path"] == "manifests"
    assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"]


def test_flux_kustomization():
    docs = list(yaml.safe_load_all((REPO / "examples/flux-kustomization.yaml").read_text()))
    kinds = {(d["apiVersion"], d["kind"]): d for d in docs}
    repo = kinds["source.toolkit.fluxcd.io/v1", "GitRepository"]
    kust = kinds["kustomize.toolkit.fluxcd.io/v1", "Kustomization"]
    assert kust["spec"]["path"] == "./manifests" and kust["spec"]["prune"] is True
    assert kust["spec"]["sourceRef"] == {"kind": "GitRepository", "name": repo["metadata"]["name"]}


def test_docs_link_the_examples():
    text = (REPO / "docs/manifests.md").read_text()
    for name in ("argocd-application.yaml", "flux-kustomization.yaml"):
        assert f"../examples/{name}" in text
        assert (REPO / "examples" / name).is_file()
