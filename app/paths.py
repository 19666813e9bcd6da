"""Where the page's files are: inside the package when installed from a wheel (app/web/), beside
the package in a source tree or an editable install (static/, templates/ at the top)."""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def web_folder(name):
    """The folder `name` ("static" or "templates") of this installation."""
    inside = PACKAGE / "web" / name
    return inside if inside.is_dir() else PACKAGE.parent / name


STATIC = web_folder("static")
TEMPLATES = web_folder("templates")
