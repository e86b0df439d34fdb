"""Lessons: the curriculum as cards."""

import streamlit as st

from trainer.app import ui
from trainer.curriculum import suggest_next
from trainer.store import default_store


def render() -> None:
    st.title(ui.tr("lessons_title"))
    st.caption(ui.tr("lessons_intro"))
    lib = ui.library()
    results = default_store().list(ui.user())
    nxt = suggest_next(lib, results)
    if nxt is not None:
        why = ("（" + ui.tr("weakest") + "：" + "、".join(ui.plain(t) for t in nxt.weak_items) + "）") if nxt.weak_items else ""
        st.info(f"👉 {ui.tr('suggested_next')}：**{ui.plain(nxt.lesson.title)}**{why}")
    for problem in lib.problems:
        st.error(f"{ui.tr('lesson_broken')}: {ui.plain(problem)}", icon="⚠️")
    for n, lesson in enumerate(lib.curriculum(), 1):
        persona = ui.persona(lesson.persona)
        mine = [r for r in results if r["lesson"] == lesson.id and r["score"] is not None]
        best = max((r["score"] for r in mine), default=None)
        with st.container(border=True):
            if isinstance(persona, str):
                st.subheader(f"{n}. {ui.plain(lesson.title)}")
                st.error(f"{ui.tr('persona_broken')}\n\n{ui.plain(persona)}", icon="⚠️")
                continue
            left, right = st.columns([4, 1])
            with left:
                st.subheader(f"{n}. {ui.plain(lesson.title)}")
                st.markdown(
                    f"**{ui.plain(persona.type)}** · {ui.plain(persona.technique)} · "
                    f"{ui.tr('outbound') if persona.direction == 'outbound' else ui.tr('incoming')} · "
                    f"{ui.tr('difficulty')} {'★' * lesson.difficulty}{'☆' * (5 - lesson.difficulty)}"
                )
                st.caption(ui.plain(persona.summary))
            with right:
                if best is None:
                    st.markdown(ui.tr("not_tried"))
                else:
                    st.metric(ui.tr("best_score"), best)
                    passed = any(r["passed"] for r in mine)
                    st.markdown(("✅ " + ui.tr("passed")) if passed else ui.tr("not_passed"))
                if st.button(ui.tr("open_lesson"), key=f"open-{lesson.id}", type="primary"):
                    st.session_state["lesson"] = lesson.id
                    ui.go("briefing", lesson=lesson.id)


render()
