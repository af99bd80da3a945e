"""Kubernetes events to each team's chat and to Elasticsearch (docs/events.md).

The component is kubernetes-event-exporter v1.7 (why not kubewatch: docs/events.md).
``ownership`` decides which events are a team's, ``config`` writes the exporter's routing
config, ``objects`` the Kubernetes objects the manifests renderer emits.
"""
