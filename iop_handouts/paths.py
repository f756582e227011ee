"""Where the shipped templates, styles and content are, and where output goes.

The project keeps `templates/`, `styles/` and `content/` at the top of its checkout; an installed
wheel carries the same folders as package data inside `iop_handouts/` (pyproject.toml maps them
there). Both are found here, so nothing else needs to know which way the code was installed.
"""

from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parent


def shipped_folder(name: str) -> Path:
    """A folder the package ships: package data in a wheel, else the checkout's own folder."""
    installed = resources.files(__package__) / name
    if installed.is_dir():
        return Path(str(installed))
    return _CHECKOUT / name


CONTENT_DIR = shipped_folder("content")
TEMPLATES_DIR = shipped_folder("templates")
STYLES_DIR = shipped_folder("styles")
# A clinic's own folder is recognised by this settings file (see clinic_folder.py).
SETTINGS_FILE = "iop-handouts.yaml"
# The SMTP password is only ever read from this environment variable, never from a file.
PASSWORD_VARIABLE = "IOP_SMTP_PASSWORD"
# Each edition's web page, beside its PDFs (web_edition.py).
WEB_EDITION_NAME = "handout.html"
# Relative on purpose: output goes to ./output of the folder the command runs in.
DEFAULT_OUTPUT_DIR = Path("output")


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the current folder when inside it,
    or to the shipped folders' parent (so 'content/regions/us.yaml' reads the same from a
    checkout and from an installed wheel)."""
    path = Path(path)
    resolved = path.resolve()
    for base in (Path.cwd(), CONTENT_DIR.parent):
        try:
            return str(resolved.relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
