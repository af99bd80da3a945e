"""Input and output adapters between obskit's catalog and other formats.

Each module does one job and never touches the catalog model's rendering: importers turn
foreign documents into catalog entries (plain dicts in the catalog's YAML shape, plus a
report of what could not be mapped); exporters turn a loaded :class:`Catalog` into foreign
documents.

- :mod:`obskit.adapters.source`: reading foreign YAML with positions; the report records
- :mod:`obskit.adapters.sloth`: Sloth ``prometheus/v1`` and ``sloth.slok.dev/v1`` specs in
- :mod:`obskit.adapters.openslo`: OpenSLO v1 in
- :mod:`obskit.adapters.openslo_export`: OpenSLO v1 out
- :mod:`obskit.adapters.backstage`: Backstage Components in
- :mod:`obskit.adapters.backstage_export`: Backstage annotations out (snippet or merge)
- :mod:`obskit.adapters.catalog_text`: imported entries as a new catalog or merged into one
"""
