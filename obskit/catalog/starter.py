"""The starter catalog `obskit init` writes."""

STARTER_CATALOG = """\
# yaml-language-server: $schema={schema}
# An obskit service catalog. Format: docs/catalog.md in the obskit repository; `obskit schema`.
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: my-platform
  cluster: my-cluster
defaults:
  namespace: default
  tier: standard
  metrics: {{preset: prometheus-http}}
  slo: {{window: 30d}}
teams:
  - name: my-team
    alerting:
      slack: {{channel: "#my-team-alerts", apiURLSecret: {{name: alertmanager-slack, key: url}}}}
services:
  - name: my-service
    team: my-team
    description: What this service does
    slos:
      - name: availability
        objective: 99.9
      - name: latency
        objective: 99
        threshold: 500ms
"""
