"""``obskit preview``: check a catalog's alerts against a real Prometheus before merging.

One module per job: :mod:`.connection` (auth, TLS, timeouts, one-line errors),
:mod:`.rules` (rendered rule files), :mod:`.expand` (recording-rule references into their
expressions), :mod:`.metric_check`, :mod:`.evaluate` (now), :mod:`.backtest`,
:mod:`.local` (a throwaway local Prometheus), :mod:`.report` (result types) and
:mod:`.output` (rich tables and JSON).
"""
