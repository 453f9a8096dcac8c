"""The parts of the page around the pages: the favicon, the document language, the language
kept in the address bar.

Offline means offline: a Material-icon favicon makes the browser ask fonts.gstatic.com, so the
favicon is drawn here (a small counter with its awning) and served by the dashboard's own
server. The document language (``<html lang>``) follows the language chosen in the sidebar,
so screen readers and the browser's own translation read Japanese pages as Japanese. Nothing
here imports Streamlit.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from PIL import Image, ImageDraw

from dashboards.i18n import DEFAULT_LANG, LANGS

__all__ = ["LANG_PARAM", "document_language_script", "favicon", "language_from_query"]

#: The query parameter that carries the language (``?lang=en``), so a reload keeps it.
LANG_PARAM = "lang"

_BRAND = (42, 127, 98, 255)  # the reform green of the figures
_AWNING = (255, 255, 255, 255)


@functools.cache
def favicon(size: int = 64) -> Image.Image:
    """The dashboard's icon: a green tile with a white counter window and awning."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = size / 16
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=int(3 * unit), fill=_BRAND)
    for i in range(4):  # the striped awning
        left = int((2 + 3 * i) * unit)
        draw.rectangle((left, int(3 * unit), int(left + 2.4 * unit), int(6 * unit)), _AWNING)
    draw.rectangle((int(3 * unit), int(8 * unit), int(13 * unit), int(9 * unit)), _AWNING)
    draw.rectangle((int(4 * unit), int(9 * unit), int(6 * unit), int(13 * unit)), _AWNING)
    draw.rectangle((int(10 * unit), int(9 * unit), int(12 * unit), int(13 * unit)), _AWNING)
    return image


def language_from_query(params: Mapping[str, str], default: str = DEFAULT_LANG) -> str:
    """The language named by ``?lang=``, or ``default`` when absent or not one we speak."""
    value = str(params.get(LANG_PARAM, "")).lower()
    return value if value in LANGS else default


def document_language_script(lang: str) -> str:
    """A script that sets ``<html lang>`` of the page (Streamlit serves ``lang="en"``)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return f"<script>document.documentElement.lang = {json.dumps(lang)};</script>"
