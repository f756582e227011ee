"""The staff web app (`iop-handouts serve`): the clinic folder, its checks, approvals, builds
and emails, for staff who do not use a command line. See app.py."""

from .app import create_app

__all__ = ["create_app"]
