"""Where the project's own folders are. Everything else is computed from these."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_ROOT / "content"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STYLES_DIR = PROJECT_ROOT / "styles"
DEFAULT_OUTPUT_DIR = PROJECT_ROOT / "output"

# The only folders WeasyPrint may read from while rendering.
FETCHABLE_DIRS = (TEMPLATES_DIR, STYLES_DIR, CONTENT_DIR)


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the project when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
