"""Copy GOV.UK Frontend's compiled CSS and JS from node_modules into static/, without GDS Transport.

GDS Transport is reserved for GOV.UK services, so its @font-face rules are dropped and the font
stacks fall back to Arial. Run by `make` as `python -m survey_app.frontend_assets`.
"""

import re
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TARGET = Path(__file__).resolve().parent / "static" / "govuk"

FONT_FACE = re.compile(r"@font-face\{font-family:GDS Transport;[^}]*\}")


def without_gds_transport(css: str) -> str:
    """Remove the GDS Transport web font and its place at the head of font stacks."""
    css = FONT_FACE.sub("", css)
    css = css.replace("font-family:GDS Transport,", "font-family:")
    return css.replace("font-family:GDS Transport", "font-family:arial,sans-serif")


def build(source: Path = SOURCE, target: Path = TARGET) -> None:
    """Write the stylesheet and script the pages link to."""
    if not source.is_dir():
        sys.exit(f"{source} is missing: run `npm ci` first.")
    target.mkdir(parents=True, exist_ok=True)
    css = (source / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    (target / "govuk-frontend.min.css").write_text(without_gds_transport(css), encoding="utf-8")
    js = (source / "govuk-frontend.min.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=.*", "", js)
    (target / "govuk-frontend.min.js").write_text(js, encoding="utf-8")


if __name__ == "__main__":
    build()
