"""``python -m radiant_ext`` runs the ``radiant-ext`` command line."""

from __future__ import annotations

from radiant_ext.cli import main

if __name__ == "__main__":
    main()
