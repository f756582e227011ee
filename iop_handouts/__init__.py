"""Printable patient handouts about Intensive Outpatient Programs (IOP).

The stages, each a module of its own, run in one direction:

    content  YAML -> validated Edition model
    render   Edition -> HTML -> PDF bytes (WeasyPrint)
    build    plan jobs, render them, write PDFs atomically
"""

__version__ = "0.1.0"

# The documents every edition has.
DOCUMENTS = ("brochure", "checklist")
