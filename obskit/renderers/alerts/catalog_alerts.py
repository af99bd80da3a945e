"""The catalog's hand-written alerts, with the contract's labels and annotations added."""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import Alert, ResolvedService
from obskit.renderers.alerts.common import (
    alert_rule,
    contract_annotations,
    contract_labels,
)


def catalog_alert(service: ResolvedService, alert: Alert) -> dict[str, Any]:
    """One ``service.alerts`` entry as a rule; contract labels win over the user's labels.

    ``tier: low`` downgrades ``critical`` to ``warning`` here too. Without a description,
    one naming the value is written.
    """
    description = alert.description or (f"{alert.summary}. Value: {{{{ $value | humanize }}}}.")
    labels = {**alert.labels, **contract_labels(service, alert.severity)}
    annotations = {
        **alert.annotations,
        **contract_annotations(service, alert.summary, description),
    }
    return alert_rule(
        alert.alert,
        alert.expr.strip() + ("\n" if "\n" in alert.expr.strip() else ""),
        for_=alert.for_,
        labels=labels,
        annotations=annotations,
    )
