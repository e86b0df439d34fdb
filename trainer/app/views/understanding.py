"""What the customer did not understand, trainers' corrections, and retraining (trainers only)."""

import datetime as dt

import pandas as pd
import streamlit as st

from trainer.app import ui
from trainer.corpus import CorpusError
from trainer.corrections import CorrectionError, Corrections
from trainer.store import default_store
from trainer.training import models, start_retraining
from trainer.vocabulary import acts as act_labels


def render() -> None:
    if not ui.is_trainer():
        st.error(ui.tr("trainers_only"))
        st.stop()
    st.title(ui.tr("nav_understanding"))
    st.caption(ui.tr("understanding_intro"))
    fixes = Corrections(default_store())
    unplaced, corrected, model = st.tabs([ui.tr("tab_unplaced"), ui.tr("tab_corrections"), ui.tr("tab_model")])
    with unplaced:
        _unplaced(fixes)
    with corrected:
        _corrections(fixes)
    with model:
        _model(fixes)


def _unplaced(fixes: Corrections) -> None:
    if st.session_state.pop("understanding-saved", False):
        st.success(ui.tr("saved"))
    rows = fixes.unplaced()
    if not rows:
        st.info(ui.tr("no_unplaced"))
        return
    st.dataframe(pd.DataFrame([{
        ui.tr("line"): u.line, ui.tr("times"): u.count, ui.tr("personas"): ", ".join(u.personas),
        ui.tr("acts_heard"): ui.act_names(u.acts),
        ui.tr("acts_corrected"): ui.act_names(u.corrected) if u.corrected is not None else "",
    } for u in rows]), hide_index=True, width="stretch")
    labels = act_labels()
    pick = st.selectbox(ui.tr("label_a_line"), range(len(rows)), format_func=lambda i: rows[i].line[:60],
                        key="unplaced-pick")
    u = rows[pick]
    chosen = st.multiselect(ui.tr("acts"), list(labels), default=list(u.corrected or u.acts),
                            format_func=lambda a: f"{labels[a]} ({a})", key=f"unplaced-acts-{pick}")
    if st.button(ui.tr("save_correction"), key="unplaced-save"):
        try:
            fixes.correct_turn(u.call, u.turn, chosen, ui.user())
        except CorrectionError as e:
            st.error(ui.plain(str(e)))
        else:
            st.session_state["understanding-saved"] = True
            st.rerun()


def _corrections(fixes: Corrections) -> None:
    rows = fixes.all(limit=500)
    st.caption(ui.tr("corrections_count", n=fixes.count()))
    if rows:
        st.dataframe(pd.DataFrame([{
            ui.tr("line"): r["line"], ui.tr("acts"): ui.act_names(r["acts"]),
            ui.tr("acts_heard"): ui.act_names(r["before"]) if r["before"] is not None else "",
            ui.tr("by"): r["corrected_by"], ui.tr("when"): dt.datetime.fromtimestamp(r["created_at"]),
        } for r in rows]), hide_index=True, width="stretch")
    st.download_button(ui.tr("export_lines"), fixes.export().encode("utf-8"), file_name="corrections.jsonl",
                       mime="application/jsonl", key="export-corrections")
    upload = st.file_uploader(ui.tr("import_lines"), type=["jsonl"], key="import-corrections")
    if upload is not None and st.button(ui.tr("import"), key="import-go"):
        try:
            n = fixes.import_file(upload.getvalue(), upload.name, ui.user())
        except CorpusError as e:
            st.error(ui.plain(str(e)))
        else:
            st.success(ui.tr("imported", n=n))


def _model(fixes: Corrections) -> None:
    st.markdown(ui.tr("model_explain"))
    rows = models(default_store())
    if st.button(ui.tr("retrain"), key="retrain", disabled=any(r["status"] == "training" for r in rows[:1])):
        start_retraining(ui.user())
        st.success(ui.tr("retrain_started"))
        rows = models(default_store())
    if st.button(ui.tr("refresh"), key="refresh-models"):
        st.rerun()
    if not rows:
        st.info(ui.tr("bundled_model_only"))
        return
    st.dataframe(pd.DataFrame([{
        "id": r["id"], ui.tr("status"): ui.tr("model_" + r["status"]), ui.tr("by"): r["created_by"],
        ui.tr("when"): dt.datetime.fromtimestamp(r["created_at"]),
        ui.tr("real_lines_f1"): _figure(r, "real"), ui.tr("cv_f1"): _figure(r, "cv"),
        ui.tr("note"): r["note"],
    } for r in rows]), hide_index=True, width="stretch")


def _figure(row: dict, key: str) -> str:
    m = (row.get("metrics") or {}).get("candidate", {}).get(key)
    return f"{m['macro_f1']:.3f}" if m else "—"


render()
