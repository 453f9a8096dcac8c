"""User-supplied text shown in the dashboard: never markup, never a link or an image.

Streamlit renders ``st.error``/``st.warning``/``st.markdown`` text as Markdown: an error line
quoting a study's name ``![x](http://elsewhere/pixel)`` would load an image from an outside
host, ``[here](http://…)`` would become a link, ``:red[…]`` or ``$…$`` would change the page.
:func:`escape_markdown` makes every such character literal, so the text shows as written.
"""

from __future__ import annotations

import html
import re

__all__ = ["escape_markdown"]

# the characters that make Markdown links and images ([…](…), ![…](…)), code, Streamlit's
# directives (:red[…]) and KaTeX ($…$); "<" and "&" are escaped as HTML first. Emphasis
# characters (_ *) are left alone: ids such as example_town.xlsx stay readable.
_SPECIAL = re.compile(r"([\\`\[\]!$])")


def escape_markdown(text: object) -> str:
    """``text`` with HTML escaped and every Markdown character backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))
