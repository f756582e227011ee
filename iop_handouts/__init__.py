"""Printable patient handouts about Intensive Outpatient Programs (IOP).

The stages, each a module of its own, run in one direction:

    content  YAML -> validated Edition model
    render   Edition -> HTML -> PDF bytes (WeasyPrint)
    build    plan jobs, render them, write PDFs atomically
    mail     messages from built PDFs, to an outbox or over SMTP
    checks   is the content safe to print?

`cli` is the command line over them.
"""

__version__ = "0.2.0"
