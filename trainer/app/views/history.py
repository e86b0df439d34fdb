"""History (跟): the trainee's past calls and the trend of their scores."""

import datetime as dt

import pandas as pd
import streamlit as st

from trainer.app import ui
from trainer.store import default_store


def render() -> None:
    st.title(ui.tr("history_title"))
    rows = default_store().list(ui.user())
    if not rows:
        st.info(ui.tr("no_call"))
        return
    lib = ui.library()
    table = pd.DataFrame([{
        ui.tr("when"): dt.datetime.fromtimestamp(r["started"]).strftime("%Y-%m-%d %H:%M"),
        ui.tr("lesson"): lib.lessons[r["lesson"]].title if r["lesson"] in lib.lessons else r["lesson"],
        ui.tr("score"): r["score"],
        ui.tr("outcome"): ui.tr(f"outcome_{r['outcome']}"),
        ui.tr("turns"): r["turns"],
        "call": r["call_id"],
    } for r in rows])
    scored = table.dropna(subset=[ui.tr("score")])
    if len(scored):
        st.subheader(ui.tr("trend"))
        st.line_chart(scored.set_index(ui.tr("when"))[[ui.tr("score")]])
    st.dataframe(table.drop(columns=["call"]), hide_index=True, width="stretch")
    for r in reversed(rows):
        if r["score"] is None:
            if st.button(f"{ui.tr('resume')} · {r['lesson']} · {r['call_id']}", key=f"resume-{r['call_id']}"):
                ui.go("call", call=r["call_id"], lesson=r["lesson"])
        else:
            if st.button(f"{ui.tr('nav_scorecard')} · {r['lesson']} · {r['score']}", key=f"card-{r['call_id']}"):
                ui.go("scorecard", call=r["call_id"], lesson=r["lesson"])


render()
