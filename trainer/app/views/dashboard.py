"""Team dashboard for trainers: attempts, scores, weakest items, trends, reviews."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from trainer.app import ui
from trainer.curriculum import item_rates
from trainer.practice import Practice
from trainer.store import default_store


def render() -> None:
    if not ui.is_trainer():  # the page is not offered to trainees; a direct visit is refused too
        st.error(ui.tr("trainers_only"))
        st.stop()
    st.title(ui.tr("nav_dashboard"))
    lib = ui.library()
    rows = [r for r in default_store().list() if r["score"] is not None]
    teams = sorted({r["team"] or "—" for r in rows})
    team = st.selectbox(ui.tr("team"), [ui.tr("all_teams"), *teams], key="team")
    if team != ui.tr("all_teams"):
        rows = [r for r in rows if (r["team"] or "—") == team]
    if not rows:
        st.info(ui.tr("no_call"))
        return
    items = {it.id: it.title for cl in lib.checklists.values() for it in cl.items}
    table = pd.DataFrame([{
        ui.tr("team"): r["team"] or "—", ui.tr("trainee"): r["user"], ui.tr("lesson"): r["lesson"],
        ui.tr("score"): r["score"],
        ui.tr("passed"): bool(r["passed"]), ui.tr("when"): dt.datetime.fromtimestamp(r["started"]),
        "call": r["call_id"],
    } for r in rows])

    per = table.groupby([ui.tr("team"), ui.tr("trainee"), ui.tr("lesson")]).agg(
        **{ui.tr("attempts"): (ui.tr("score"), "size"), ui.tr("best_score"): (ui.tr("score"), "max"),
           ui.tr("latest_score"): (ui.tr("score"), "last")}).reset_index()
    st.dataframe(per, hide_index=True, width="stretch")

    heat = []
    for name in sorted({r["user"] for r in rows}):
        for item_id, rate in item_rates([r for r in rows if r["user"] == name]).items():
            heat.append({ui.tr("trainee"): name, "item": items.get(item_id, item_id), "rate": round(rate * 100)})
    if heat:
        st.subheader(ui.tr("item_heatmap"))
        chart = alt.Chart(pd.DataFrame(heat)).mark_rect().encode(
            x=alt.X("item:N", sort="ascending", title=None), y=alt.Y(f"{ui.tr('trainee')}:N", title=None),
            color=alt.Color("rate:Q", scale=alt.Scale(domain=[0, 100], scheme="blues")),
            tooltip=[ui.tr("trainee"), "item", "rate"])
        st.altair_chart(chart, width="stretch")

    st.subheader(ui.tr("trend"))
    st.line_chart(table, x=ui.tr("when"), y=ui.tr("score"), color=ui.tr("trainee"))

    st.download_button(ui.tr("export_csv"), table.drop(columns=["call"]).to_csv(index=False).encode("utf-8-sig"),
                       file_name="trainer-dashboard.csv", mime="text/csv")

    st.subheader(ui.tr("review_call"))
    choice = st.selectbox(ui.tr("review_call"), table["call"], key="review",
                          format_func=lambda c: " · ".join(str(v) for v in table.loc[table["call"] == c].iloc[0, 1:4]))
    if choice:
        ui.review_call(Practice.resume(choice, library=lib))


render()
