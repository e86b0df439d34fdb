"""Briefing (说) and the model call (教)."""

import streamlit as st

from trainer.app import ui
from trainer.practice import replay_lesson_call


def render() -> None:
    lesson = ui.selected_lesson()
    if lesson is None:
        st.info(ui.tr("no_lesson"))
        return
    persona = ui.persona(lesson.persona)
    st.title(ui.plain(lesson.title))
    if isinstance(persona, str):
        st.error(f"{ui.tr('persona_broken')}\n\n{ui.plain(persona)}", icon="⚠️")
        return
    st.markdown(f"**{ui.tr('objective')}**：{ui.plain(lesson.objective)}")
    with st.container(border=True):
        st.markdown(f"**{ui.tr('technique')}：{ui.plain(persona.technique)}**")
        st.markdown(ui.plain(lesson.briefing))
    st.markdown(f"**{ui.tr('model_phrases')}**")
    for phrase in lesson.model_phrases:
        st.markdown(f"- {ui.plain(phrase)}")
    mode = st.radio(ui.tr("mode"), ["practice", "exam"], horizontal=True,
                    index=0 if lesson.mode == "practice" else 1,
                    format_func=lambda m: ui.tr(f"mode_{m}"), key="mode")
    c1, c2 = st.columns(2)
    if c1.button(ui.tr("watch_model"), key="watch"):
        st.session_state["show_model"] = lesson.id
        st.session_state["model_step"] = 1
    if c2.button(ui.tr("start_call"), type="primary", key="start"):
        st.session_state["pending_mode"] = mode
        ui.go("call", lesson=lesson.id)
    if st.session_state.get("show_model") == lesson.id:
        st.subheader(ui.tr("model_call"))
        conv = replay_lesson_call(lesson)
        step = st.session_state.get("model_step", 1)
        if conv.opening:
            with st.chat_message("assistant", avatar="👤"):
                st.markdown(ui.plain(conv.opening))
        for turn in conv.turns[:step]:
            with st.chat_message("user", avatar="🎧"):
                st.markdown(ui.plain(turn.agent))
                st.caption(" · ".join(turn.acts))
            with st.chat_message("assistant", avatar="👤"):
                st.markdown(ui.plain(turn.customer))
        if step < len(conv.turns):
            n1, n2 = st.columns(2)
            if n1.button(ui.tr("next_line"), key="model-next"):
                st.session_state["model_step"] = step + 1
                st.rerun()
            if n2.button(ui.tr("show_all"), key="model-all"):
                st.session_state["model_step"] = len(conv.turns)
                st.rerun()


render()
