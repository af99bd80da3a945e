"""Renderers: one package per output kind, each exposing ``RENDERER`` (see render.registry)."""
