"""Persona workshop for trainers: edit YAML with live validation, see the state
diagram, try the customer in a chat. Uploaded files are read as data only."""

import streamlit as st

from trainer.app import ui
from trainer.authoring import graph
from trainer.conversation import Conversation
from trainer.persona import PersonaError, persona_from_text, persona_path
from trainer.understanding import default_understanding
from trainer.uploads import UploadError, upload
from trainer.yamlfile import MAX_BYTES, FileProblem, decode

NAME = "editor.yaml"


def render() -> None:
    if not ui.is_trainer():
        st.error(ui.tr("trainers_only"))
        st.stop()
    st.title(ui.tr("nav_editor"))
    left, right = st.columns(2)
    with left:
        base = st.selectbox(ui.tr("start_from"), [p.id for p in _bundled()], key="editor-base")
        upload = st.file_uploader(ui.tr("upload_persona"), type=["yaml", "yml"], key="editor-upload")
        if upload is not None and st.session_state.get("editor-uploaded") != upload.file_id:
            st.session_state["editor-uploaded"] = upload.file_id
            raw = upload.getvalue()
            if len(raw) > MAX_BYTES:
                st.error(ui.tr("upload_too_big", size=f"{len(raw):,}", limit=f"{MAX_BYTES:,}"))
            else:
                try:
                    st.session_state["editor-text"] = decode(raw, upload.name)
                except FileProblem as e:
                    st.error(ui.plain(str(e)))
        if st.session_state.get("editor-base-loaded") != base:
            st.session_state["editor-base-loaded"] = base
            st.session_state["editor-text"] = persona_path(base).read_text(encoding="utf-8")
        text = st.text_area("YAML", key="editor-text", height=520)
        lesson_file = st.file_uploader(ui.tr("upload_lesson"), type=["yaml", "yml"], key="lesson-upload")
        if lesson_file is not None and st.button(ui.tr("publish"), key="publish-lesson"):
            _publish(lesson_file.getvalue(), lesson_file.name)
    with right:
        try:
            persona = persona_from_text(text, NAME)
        except PersonaError as e:
            st.error(ui.tr("invalid_persona"))
            st.code("\n".join(e.problems), language=None)
            return
        st.success(ui.tr("valid_persona", id=persona.id))
        if st.button(ui.tr("publish"), key="publish-persona"):
            _publish(text.encode("utf-8"), f"{persona.id}.yaml")
        st.graphviz_chart(graph(persona))
        _try_it(persona, text)


def _publish(raw: bytes, filename: str) -> None:
    try:
        kind, item_id = upload(raw, filename, by=ui.user())
    except UploadError as e:
        st.error(ui.tr("publish_refused"))
        st.code("\n".join(e.problems), language=None)
        return
    ui.library.clear()
    ui.persona.clear()
    st.success(ui.tr("published", kind=ui.tr("kind_" + kind), id=item_id))


def _bundled():
    from trainer.persona import available, load_by_id

    out = []
    for pid in available():
        try:
            out.append(load_by_id(pid))
        except PersonaError:
            continue
    return out


def _try_it(persona, text: str) -> None:
    st.subheader(ui.tr("try_it"))
    key = hash(text)
    if st.session_state.get("try-key") != key or st.button(ui.tr("restart"), key="try-restart"):
        st.session_state["try-key"] = key
        st.session_state["try-conv"] = Conversation(persona, seed=0, understanding=default_understanding())
    conv = st.session_state["try-conv"]
    if conv.opening:
        st.chat_message("assistant", avatar="👤").markdown(ui.plain(conv.opening))
    for t in conv.turns:
        st.chat_message("user", avatar="🎧").markdown(ui.plain(t.agent))
        st.chat_message("assistant", avatar="👤").markdown(ui.plain(t.customer))
        st.caption(f"{' · '.join(t.acts)} → {t.state} · {t.mood}")
    if conv.ended:
        st.info(f"{ui.tr('outcome')}: {ui.tr('outcome_' + str(conv.outcome))}")
        return
    with st.form("try-form", clear_on_submit=True):
        line = st.text_input(ui.tr("say_placeholder"), key="try-line", max_chars=2000)
        if st.form_submit_button(ui.tr("send")) and line.strip():
            conv.say(line)
            st.rerun()


render()
