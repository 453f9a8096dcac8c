"""One private temporary folder per dashboard session, removed when the session ends.

Uploaded studies (and what the Scenario lab unpacks from them) live in the folder of the
browser session that uploaded them: another session never sees them, and they are deleted
when Streamlit drops the session (its state is released: the folder's finaliser runs) or, at
the latest, when the server exits.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

__all__ = ["SessionFolder", "session_folder"]

_KEY = "_madoguchi_session_folder"


class SessionFolder:
    """A temporary folder that is removed when this object is released (or at exit)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="madoguchi-session-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)

    def remove(self) -> None:
        """Remove the folder now."""
        self._cleanup()


def session_folder() -> Path:
    """This browser session's private folder (created on first use)."""
    import streamlit as st

    box = st.session_state.get(_KEY)
    if not isinstance(box, SessionFolder) or not box.path.is_dir():
        box = SessionFolder()
        st.session_state[_KEY] = box
    return box.path
