"""The one place uploads are kept: a private temporary folder per dashboard session.

Uploaded studies (and what the Scenario lab unpacks from them) live in the folder of the
browser session that uploaded them: another session never sees them, and they are deleted
when Streamlit drops the session (its state is released: the folder's finaliser runs) or, at
the latest, when the server exits. Outside a running app (the CLI, a notebook, a test) there
is no browser session: uploads go to one folder of this process, removed when it exits.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import weakref
from pathlib import Path

__all__ = ["MAX_UPLOADS_KEPT", "SessionFolder", "prune_uploads", "session_folder", "upload_folder"]

_KEY = "_madoguchi_session_folder"
#: Uploaded studies kept in one folder at once (the oldest go first).
MAX_UPLOADS_KEPT = 32


class SessionFolder:
    """A temporary folder that is removed when this object is released (or at exit)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="madoguchi-session-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)

    def remove(self) -> None:
        """Remove the folder now."""
        self._cleanup()


_PROCESS: list[SessionFolder] = []
_PROCESS_GUARD = threading.Lock()


def session_folder() -> Path:
    """This browser session's private folder (created on first use; needs a running app)."""
    import streamlit as st

    box = st.session_state.get(_KEY)
    if not isinstance(box, SessionFolder) or not box.path.is_dir():
        box = SessionFolder()
        st.session_state[_KEY] = box
    return box.path


def _in_app_session() -> bool:
    """Whether this code runs inside a Streamlit script run (a browser session or AppTest)."""
    if "streamlit" not in sys.modules:  # the CLI and the report never import Streamlit
        return False
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx(suppress_warning=True) is not None


def upload_folder() -> Path:
    """Where an upload goes: the browser session's own folder inside the app, else the one
    folder of this process (removed at exit)."""
    if _in_app_session():
        return session_folder()
    with _PROCESS_GUARD:
        if not _PROCESS or not _PROCESS[0].path.is_dir():
            _PROCESS[:] = [SessionFolder()]
        return _PROCESS[0].path


def prune_uploads(folder: Path) -> None:
    """Remove all but the newest :data:`MAX_UPLOADS_KEPT` uploads (one folder each)."""
    kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[MAX_UPLOADS_KEPT:]:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
