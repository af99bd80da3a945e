"""The pydantic base of every catalog model: unknown keys are errors, YAML keys camelCase."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic.alias_generators import to_camel

NAME_RE = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"


def _prometheus_duration(value: str) -> str:
    from obskit.catalog.durations import duration_problem

    problem = duration_problem(value)
    if problem:
        raise ValueError(f"{value}: {problem}")
    return value


Duration = Annotated[
    str,
    Field(pattern=r"^(?:\d+(?:ms|s|m|h|d|w|y))+$"),
    AfterValidator(_prometheus_duration),
]
METRIC_NAME_RE = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME_RE = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
#: an OIDC group: no whitespace, nothing Elasticsearch reads as a pattern (``*``, ``?``, ``/``)
OIDC_GROUP_RE = r"^[^\s*?/][^\s*?]*$"
#: an Elasticsearch realm name (``xpack.security.authc.realms.oidc.<name>``)
ES_REALM_RE = r"^[A-Za-z0-9_-]+$"
#: what a value must look like, by pattern (a hint besides the generic name rule)
PATTERN_HINTS = {
    OIDC_GROUP_RE: (
        "is not a usable group name",
        "no whitespace, '*' or '?' and no leading '/' (Elasticsearch role mappings read those "
        "as patterns); write the group exactly as the identity provider sends it",
    ),
    ES_REALM_RE: (
        "is not a realm name",
        "use letters, digits, '_' and '-': the <name> of xpack.security.authc.realms.oidc.<name>",
    ),
}
#: a YAML number: booleans (``yes``, ``on``, ``true`` in YAML 1.1) and quoted strings are
#: refused instead of read as 1 or 0 (``objective: yes`` would be a 1 % objective)
Number = Annotated[float, Strict()]
#: a YAML integer: booleans, floats (``2.0``) and quoted strings are refused
Integer = Annotated[int, Strict()]


class Model(BaseModel):
    """Base: unknown keys are errors, YAML keys are camelCase."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )
