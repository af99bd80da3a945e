"""The render pipeline: registry of renderers, output tree, cache and serialisers.

``obskit.render`` is both this package and the library's render function: once the package
is imported, Python binds the name ``obskit.render`` to it, so the package itself is callable
(``obskit.render(catalog, "out/")`` is :func:`obskit.render.pipeline.render` either way).
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from obskit.render.pipeline import render

        return render(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
