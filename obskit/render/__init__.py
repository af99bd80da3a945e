"""The render pipeline: registry of renderers, output tree, cache and serialisers."""
