"""`obskit discover`: a starter catalog from a live cluster's workloads.

``cluster`` is the only module that talks to the Kubernetes API (tests inject a
:class:`~obskit.discover.cluster.ClusterSnapshot` instead); ``mapping`` turns workloads into
catalog services (guessing team, preset and scrape settings); ``merge`` adds them to an
existing catalog without touching what a human wrote.
"""
