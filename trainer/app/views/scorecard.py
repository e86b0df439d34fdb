"""The scorecard (赞): strengths first, fixes with model phrases, evidence."""

import json

import pandas as pd
import streamlit as st

from trainer.app import ui
from trainer.report import scorecard_html


def render() -> None:
    practice = ui.current_practice()
    if practice is None:
        st.info(ui.tr("no_call"))
        return
    card = practice.scorecard()
    st.title(f"{ui.tr('nav_scorecard')} · {ui.plain(practice.lesson.title)}")
    c1, c2, c3 = st.columns(3)
    c1.metric(ui.tr("score"), card.score)
    c2.metric(ui.tr("pass_mark"), card.pass_mark)
    c3.metric(ui.tr("outcome"), ui.tr(f"outcome_{card.outcome}"))
    (st.success if card.passed else st.error)(ui.tr("result_passed" if card.passed else "result_failed"))

    st.subheader(ui.tr("sections"))
    st.bar_chart(pd.DataFrame({"%": {k: v["percent"] for k, v in card.sections.items()}}), horizontal=True)

    st.subheader(ui.tr("strengths"))
    for s in card.strengths[:6]:
        where = f"（{ui.tr('turn_n', n=s['evidence_turn'])}）" if s["evidence_turn"] else ""
        st.markdown(f"✅ {ui.plain(s['praise'])}{where}")
    if card.fixes:
        st.subheader(ui.tr("fixes"))
        for f in card.fixes:
            with st.container(border=True):
                st.markdown(f"❌ **{ui.plain(f['title'])}**"
                            + (f"（{ui.tr('turn_n', n=f['evidence_turn'])}）" if f["evidence_turn"] else ""))
                if f["evidence"]:
                    st.markdown(f"> {ui.plain(f['evidence'])}")
                st.markdown(ui.plain(f["tip"]))
                st.markdown(f"**{ui.tr('model')}**：{ui.plain(f['model'])}")

    if card.voice:
        st.subheader(ui.tr("voice_table"))
        titles = {it.id: it.title for it in card.items}
        st.dataframe(pd.DataFrame([
            {ui.tr("turn_n", n=v["turn"]): v["line"], ui.tr("speech_rate"): v["speech_rate"],
             ui.tr("loudness"): v["loudness"], ui.tr("pitch_variation"): v["pitch_variation"],
             **{titles.get(k, k): ("✅" if ok else "❌") if ok is not None else "➖" for k, ok in v["checks"].items()}}
            for v in card.voice
        ]), hide_index=True)

    st.subheader(ui.tr("all_items"))
    focus = None
    for it in card.items:
        mark = "➖" if not it.applicable else ("✅" if it.passed else "❌")
        with st.expander(f"{mark} {ui.plain(it.title)} · {ui.plain(it.section)} · {it.weight}"):
            if not it.applicable:
                st.caption(ui.tr("not_applicable"))
            if it.evidence_turn:
                st.markdown(f"**{ui.tr('evidence')}**（{ui.tr('turn_n', n=it.evidence_turn)}）：{ui.plain(it.evidence or '')}")
                if st.button(ui.tr("evidence") + " ↓", key=f"focus-{it.id}"):
                    st.session_state["focus_turn"] = it.evidence_turn
            if not it.passed:
                st.markdown(ui.plain(it.tip))
                st.markdown(f"**{ui.tr('model')}**：{ui.plain(it.model)}")
    focus = st.session_state.get("focus_turn")

    st.subheader(ui.tr("nav_call"))
    for row in practice.transcript():
        who, avatar = ("user", "🎧") if row["who"] == "agent" else ("assistant", "👤")
        with st.chat_message(who, avatar=avatar):
            if focus and row["turn"] == focus and row["who"] == "agent":
                st.warning(ui.plain(row["text"]), icon="👉")
            else:
                st.markdown(ui.plain(row["text"]))
            if row.get("audio"):
                st.caption(ui.voice_caption(row["audio"]))

    export = practice.export()
    d1, d2, d3, d4 = st.columns(4)
    d1.download_button(ui.tr("download_json"), json.dumps(export, ensure_ascii=False, indent=2),
                       file_name=f"call-{practice.call_id}.json", mime="application/json")
    d2.download_button(ui.tr("download_html"), scorecard_html(export, ui.lang()),
                       file_name=f"scorecard-{practice.call_id}.html", mime="text/html")
    if d3.button(ui.tr("retry"), key="retry"):
        ui.go("call", lesson=practice.lesson.id)
    order = [lesson.id for lesson in ui.library().curriculum()]
    i = order.index(practice.lesson.id)
    if i + 1 < len(order) and d4.button(ui.tr("next_lesson"), key="next"):
        ui.go("briefing", lesson=order[i + 1])


render()
