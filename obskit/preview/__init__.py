"""``obskit preview``: check a catalog's alerts against a real Prometheus before merging.

One module per job:

* :mod:`.auth` (credentials from env vars/files), :mod:`.connection` (transport over
  requests: TLS, retries, one-line errors), :mod:`.http` (one deadline per request, the
  response size cap), :mod:`.api` (schema-checked API answers);
* :mod:`.rules` (rendered rule files), :mod:`.expand` (recording-rule references into their
  expressions), :mod:`.promql_text` (lexical helpers that keep query text exact);
* :mod:`.metric_check`, :mod:`.evaluate` (now), :mod:`.backtest`, :mod:`.retention`;
* :mod:`.run` (one run over the selected services), :mod:`.report` (result types),
  :mod:`.output` (rich tables and JSON);
* :mod:`.local` (a throwaway local Prometheus scraping a running service).
"""
