"""Regenerate the who-can-see-what table of docs/access.md from the example catalog.

python scripts/build_access_doc.py          # rewrite docs/access.md
python scripts/build_access_doc.py --check  # exit 1 when the table is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from obskit import load_catalog
from obskit.renderers.access.table import with_table

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "access.md"


def main(argv: list[str]) -> int:
    current = DOC.read_text()
    wanted = with_table(current, load_catalog(REPO / "catalog.yaml"))
    if "--check" in argv:
        if current != wanted:
            print(f"{DOC} is stale: run python scripts/build_access_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
