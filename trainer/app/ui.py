"""What every page shares: language, the trainee, cached content, the current
call (kept in the URL as ?call=ID so a reload or a second tab resumes it), and
escaping of any text that came from a trainee or a file."""

from __future__ import annotations

import re

import streamlit as st

from trainer.accounts import account_of, close_login, ensure_admin_from_env
from trainer.i18n import LANGUAGES, t
from trainer.lesson import Library
from trainer.persona import Persona, PersonaError, load_by_id
from trainer.practice import Practice
from trainer.understanding import default_understanding
from trainer.vocabulary import acts as act_labels

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def plain(text: str) -> str:
    """Text shown as text: no markdown, no HTML, no Streamlit directives."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


@st.cache_resource(show_spinner=False)
def library() -> Library:
    """Bundled lessons and the ones trainers published (cleared when one is)."""
    from trainer.uploads import library as with_uploads

    return with_uploads()


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
    ensure_admin_from_env()  # the first trainer account, from make run's environment
    return True


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str, **values) -> str:
    return t(key, lang(), **values)


def account() -> dict | None:
    """The signed-in account {name, role}: from this session, or the login token in the URL."""
    acc = st.session_state.get("account")
    if acc is None:
        acc = account_of(st.query_params.get("t"))
        if acc is not None:
            st.session_state["account"] = acc
    return acc


def user() -> str:
    acc = account()
    return acc["name"] if acc else ""


def is_trainer() -> bool:
    acc = account()
    return bool(acc and acc["role"] == "trainer")


def sidebar() -> None:
    # widget values live in session state; defaults are set once, never passed again
    st.session_state.setdefault("lang", "zh")
    voice_on()  # read ?voice=1 on arrival, before a page change drops it
    with st.sidebar:
        st.radio(t("language", "zh"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
        acc = account()
        if acc:
            st.caption(f"{tr('signed_in_as')} {plain(acc['name'])}（{tr('role_' + acc['role'])}）")
            if st.button(tr("sign_out"), key="sign-out"):
                close_login(st.query_params.get("t"))
                st.session_state.pop("account", None)
                st.session_state.pop("practice", None)
                st.query_params.clear()
                st.rerun()


def page_defs():
    """The pages: scripts in views/, each a short script that draws one screen.
    Signed out, only the login page; the dashboard only for trainers."""
    if account() is None:
        return {"login": st.Page("views/login.py", title=tr("sign_in"), icon="🔑", url_path="login", default=True)}
    pages = {
        "lessons": st.Page("views/lessons.py", title=tr("nav_lessons"), icon="📚", url_path="lessons", default=True),
        "briefing": st.Page("views/briefing.py", title=tr("nav_briefing"), icon="📋", url_path="briefing"),
        "call": st.Page("views/call.py", title=tr("nav_call"), icon="📞", url_path="call"),
        "scorecard": st.Page("views/scorecard.py", title=tr("nav_scorecard"), icon="🏅", url_path="scorecard"),
        "history": st.Page("views/history.py", title=tr("nav_history"), icon="📈", url_path="history"),
    }
    if is_trainer():
        pages["dashboard"] = st.Page("views/dashboard.py", title=tr("nav_dashboard"), icon="🧭", url_path="dashboard")
        pages["editor"] = st.Page("views/editor.py", title=tr("nav_editor"), icon="🛠️", url_path="editor")
        pages["understanding"] = st.Page("views/understanding.py", title=tr("nav_understanding"), icon="👂",
                                         url_path="understanding")
    return pages


def go(name: str, **params) -> None:
    token = st.query_params.get("t")
    keep = {"t": token} if token else {}
    if st.session_state.get("voice_pref"):
        keep["voice"] = "1"
    st.switch_page(page_defs()[name], query_params={**params, **keep})


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
    if p.user != user() and not is_trainer():
        return None  # a trainee sees only their own calls
    st.session_state["practice"] = p
    return p


def voice_on() -> bool:
    """Voice mode: chosen once, kept for the session and in the URL (?voice=1) for a reload."""
    if "voice_pref" not in st.session_state:
        st.session_state["voice_pref"] = st.query_params.get("voice") == "1"
    return bool(st.session_state["voice_pref"])


def voice_toggle() -> bool:
    st.toggle(tr("voice_mode"), value=voice_on(), key="voice_toggle", help=tr("voice_mode_help"),
              on_change=_remember_voice)
    return voice_on()


def _remember_voice() -> None:
    st.session_state["voice_pref"] = bool(st.session_state.get("voice_toggle"))
    if st.session_state["voice_pref"]:
        st.query_params["voice"] = "1"
    else:
        st.query_params.pop("voice", None)


@st.cache_resource(show_spinner=False, ttl=60)
def listening() -> tuple[bool, str]:
    """Whether speech recognition can run here, and what it is or how to get it."""
    from trainer.voice import recognition

    return recognition.default_recognizer().status()


def voice_caption(audio: dict) -> str:
    from trainer.report import voice_summary

    return voice_summary(audio, lang())


def start_practice(lesson_id: str, mode: str) -> Practice:
    p = Practice.start(lesson_id, user=user(), mode=mode, library=library())
    st.session_state["practice"] = p
    st.query_params["call"] = p.call_id
    st.query_params["lesson"] = lesson_id
    return p


# -- reviewing a call: a trainer reads it and may correct a line's acts ------------------


def act_names(acts) -> str:
    labels = act_labels()
    return " · ".join(labels.get(a, a) for a in acts) or "—"


def review_call(p: Practice) -> None:
    """A stored call as a QA reviewer reads it: the transcript with each line's acts, a way to
    correct them (kept beside the call, never in it), and the scorecard rescored with them."""
    from trainer.corrections import Corrections, CorrectionError
    from trainer.store import default_store

    fixes = Corrections(default_store())
    fixed = fixes.for_call(p.call_id)
    card = p.scorecard()
    st.markdown(f"**{tr('score')}** {card.score} · {tr('outcome_' + str(card.outcome))}")
    turns = {t.index: t for t in p.conv.turns}
    labels = act_labels()
    for row in p.transcript():
        who, avatar = ("user", "🎧") if row["who"] == "agent" else ("assistant", "👤")
        with st.chat_message(who, avatar=avatar):
            st.markdown(plain(row["text"]))
            if row["who"] != "agent":
                continue
            turn = turns[row["turn"]]
            fix = fixed.get(turn.index)
            st.caption(f"{tr('acts_heard')}: {plain(act_names(turn.acts))}"
                       + (f" → {tr('acts_corrected')}: {plain(act_names(fix['acts']))}"
                          f"（{plain(fix['corrected_by'])}）" if fix else ""))
            with st.expander(tr("correct_acts"), expanded=False):
                chosen = st.multiselect(tr("acts"), list(labels), default=list(fix["acts"] if fix else turn.acts),
                                        format_func=lambda a: f"{labels[a]} ({a})", key=f"fix-{p.call_id}-{turn.index}")
                if st.button(tr("save_correction"), key=f"save-fix-{p.call_id}-{turn.index}"):
                    try:
                        fixes.correct_turn(p.call_id, turn.index, chosen, user())
                    except CorrectionError as e:
                        st.error(plain(str(e)))
                    else:
                        st.rerun()
    for f in card.fixes:
        st.markdown(f"❌ {plain(f['title'])}" + (f"（{tr('turn_n', n=f['evidence_turn'])}）" if f["evidence_turn"] else ""))
    if fixed and st.button(tr("rescore"), key=f"rescore-{p.call_id}"):
        again = p.rescored(fixed)
        st.info(tr("rescored", score=again.score, was=card.score))
        changed = [(a, b) for a, b in zip(card.items, again.items) if a.passed != b.passed or a.applicable != b.applicable]
        for a, b in changed:
            st.markdown(f"- {plain(b.title)}: {_verdict(a)} → {_verdict(b)}")


def _verdict(item) -> str:
    if not item.applicable:
        return tr("not_applicable")
    return "✅" if item.passed else "❌"
