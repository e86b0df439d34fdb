"""The browser app: `streamlit run trainer/app/main.py` (what `make run` starts)."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, when run by path

from trainer.app import ui  # noqa: E402

st.set_page_config(page_title="坐席陪练 · Call-center trainer", page_icon="🎧", layout="wide")
ui.warm_up()
ui.sidebar()
st.navigation(list(ui.page_defs().values())).run()
