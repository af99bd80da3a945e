"""Equal parts of resolved services held once (memory at fleet scale).

A resolved service is a handful of frozen pydantic models. Across a fleet most of their
parts are equal (the same SLOs, scrape settings, bucket bounds), and every instance also
carries its own set of the fields it was given. :class:`Sharing` hands out one instance for
equal values (compared exactly: types and order included) and one field set per distinct
set, so 10,000 services hold what differs between them and little more.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _key(value: Any) -> Any:
    """A hashable key equal only for values that are equal with the same types and order
    (models: and the same fields set, which ``with_fields`` and the metrics merge read)."""
    if isinstance(value, BaseModel):
        fields_set = frozenset(value.__pydantic_fields_set__)
        return (type(value), fields_set, *map(_key, value.__dict__.values()))
    if isinstance(value, dict):
        return (dict, *((_key(k), _key(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), *map(_key, value))
    if isinstance(value, float):
        return (float, value.hex())  # -0.0 == 0.0, but they print apart
    return (type(value), value)


class Sharing:
    """One instance per distinct value, for the span of one catalog's resolution."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._fields: dict[frozenset[str], set[str]] = {}

    def model(self, model: M) -> M:
        """An equal model already handed out, or ``model`` itself (its field set shared)."""
        key = _key(model)
        kept = self._values.get(key)
        if kept is None:
            kept = self._values[key] = self.fields(model)
        return kept

    def fields(self, model: M) -> M:
        """``model``, its ``model_fields_set`` and its tuples of plain values (validation
        builds each anew) replaced by equal ones shared with others."""
        values = model.__dict__
        for name, value in values.items():
            if type(value) is tuple and value and not isinstance(value[0], BaseModel):
                values[name] = self.value(value)
        own = model.__pydantic_fields_set__
        shared = self._fields.setdefault(frozenset(own), own)
        if shared is not own:
            object.__setattr__(model, "__pydantic_fields_set__", shared)
        return model

    def tree(self, model: M) -> M:
        """``model`` with each sub-model (also in lists) replaced by a shared equal one."""
        fields = model.__dict__
        for name, value in fields.items():
            if isinstance(value, BaseModel):
                fields[name] = self.model(self.tree(value))
            elif isinstance(value, list | tuple) and any(isinstance(v, BaseModel) for v in value):
                fields[name] = type(value)(
                    self.model(self.tree(v)) if isinstance(v, BaseModel) else v for v in value
                )
        return self.fields(model)

    def value(self, value: T) -> T:
        """An equal value already handed out, or ``value`` itself."""
        return self._values.setdefault(_key(value), value)
