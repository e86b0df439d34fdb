"""What every page shares: language, the trainee, cached content, the current
call (kept in the URL as ?call=ID so a reload or a second tab resumes it), and
escaping of any text that came from a trainee or a file."""

from __future__ import annotations

import re

import streamlit as st

from trainer.i18n import LANGUAGES, t
from trainer.lesson import Library, load_library
from trainer.persona import Persona, PersonaError, load_by_id
from trainer.practice import Practice
from trainer.understanding import default_understanding

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def plain(text: str) -> str:
    """Text shown as text: no markdown, no HTML, no Streamlit directives."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


@st.cache_resource(show_spinner=False)
def library() -> Library:
    return load_library()


@st.cache_resource(show_spinner=False)
def persona(persona_id: str) -> Persona | str:
    """The persona, or the error text (one broken file never breaks the others)."""
    try:
        return load_by_id(persona_id)
    except PersonaError as e:
        return "\n".join(e.problems)


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    default_understanding()  # trains the learned matcher once per server
    return True


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str, **values) -> str:
    return t(key, lang(), **values)


def user() -> str:
    return (st.session_state.get("user") or "学员").strip()[:40] or "学员"


def sidebar() -> None:
    # widget values live in session state; defaults are set once, never passed again
    st.session_state.setdefault("lang", "zh")
    st.session_state.setdefault("user", "学员")
    with st.sidebar:
        st.radio(t("language", "zh"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
        st.text_input(tr("trainee_name"), key="user", max_chars=40)


def page_defs():
    """The pages: scripts in views/, each a short script that draws one screen."""
    return {
        "lessons": st.Page("views/lessons.py", title=tr("nav_lessons"), icon="📚", url_path="lessons", default=True),
        "briefing": st.Page("views/briefing.py", title=tr("nav_briefing"), icon="📋", url_path="briefing"),
        "call": st.Page("views/call.py", title=tr("nav_call"), icon="📞", url_path="call"),
        "scorecard": st.Page("views/scorecard.py", title=tr("nav_scorecard"), icon="🏅", url_path="scorecard"),
        "history": st.Page("views/history.py", title=tr("nav_history"), icon="📈", url_path="history"),
    }


def go(name: str, **params) -> None:
    st.switch_page(page_defs()[name], query_params=params)


# -- the current lesson and call ------------------------------------------------------


def selected_lesson():
    lid = st.query_params.get("lesson") or st.session_state.get("lesson")
    lib = library()
    if lid and lid in lib.lessons:
        st.session_state["lesson"] = lid
        return lib.lessons[lid]
    return None


def current_practice() -> Practice | None:
    """The call named in the URL, resumed from the store after a reload."""
    call_id = st.query_params.get("call")
    if not call_id:
        return None
    cached = st.session_state.get("practice")
    if cached is not None and cached.call_id == call_id:
        return cached
    try:
        p = Practice.resume(call_id, library=library())
    except (KeyError, ValueError):
        return None
    st.session_state["practice"] = p
    return p


def start_practice(lesson_id: str, mode: str) -> Practice:
    p = Practice.start(lesson_id, user=user(), mode=mode, library=library())
    st.session_state["practice"] = p
    st.query_params["call"] = p.call_id
    st.query_params["lesson"] = lesson_id
    return p
