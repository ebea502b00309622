"""The README badge: "requirements defined 18/63" as one self-contained SVG, coloured by share verified.

Pure. Shields-style flat badge drawn by hand (two rectangles and two texts), no font file and no
remote service: widths come from an approximate per-character advance of Verdana 11px, which is
what the text is drawn in and what badge services use for the same purpose.
"""

from __future__ import annotations

from html import escape

from living_checklist.core.status import Totals

LABEL = "requirements"
# (share verified of all requirements at least, colour): red, orange, yellow, yellowgreen, green.
COLOURS: tuple[tuple[float, str], ...] = (
    (1.0, "#4c1"),
    (0.75, "#97ca00"),
    (0.5, "#dfb317"),
    (0.25, "#fe7d37"),
    (0.0, "#e05d44"),
)
NO_REQUIREMENTS = "#9f9f9f"
_NARROW = set("ijlrtf.,:;!|'()[] ")
_WIDE = set("mwMW@%")


def text_width(text: str) -> int:
    """Approximate width in pixels of ``text`` in Verdana 11px."""
    width = 0.0
    for ch in text:
        width += 3.6 if ch in _NARROW else 10.0 if ch in _WIDE else 8.2 if ch.isupper() else 7.0
    return int(round(width))


def colour(totals: Totals) -> str:
    if totals.requirements == 0:
        return NO_REQUIREMENTS
    share = totals.verified / totals.requirements
    return next(c for threshold, c in COLOURS if share >= threshold)


def message(totals: Totals) -> str:
    return f"defined {totals.defined}/{totals.requirements}"


def render(totals: Totals) -> str:
    label, value = LABEL, message(totals)
    fill = colour(totals)
    left, right = text_width(label) + 10, text_width(value) + 10
    total = left + right
    verified = f"{totals.verified} of {totals.requirements} verified"
    title = f"{label}: {value} ({verified})"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(label)}</text>'
        f'<text x="{left / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(value)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{escape(value)}</text></g></svg>\n'
    )
