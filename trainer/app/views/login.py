"""Sign in, or register as a trainee."""

import streamlit as st

from trainer.accounts import AccountError, authenticate, create_user, open_login
from trainer.app import ui


def _signed_in(acc: dict) -> None:
    st.session_state["account"] = acc
    st.query_params["t"] = open_login(acc["name"])
    st.rerun()


def render() -> None:
    st.title(ui.tr("app_title"))
    sign_in, register = st.tabs([ui.tr("sign_in"), ui.tr("register")])
    with sign_in:
        with st.form("sign-in"):
            name = st.text_input(ui.tr("account_name"), max_chars=40, key="login-name")
            password = st.text_input(ui.tr("password"), type="password", key="login-password")
            if st.form_submit_button(ui.tr("sign_in"), type="primary"):
                acc = authenticate(name, password)
                if acc is None:
                    st.error(ui.tr("bad_login"))
                else:
                    _signed_in(acc)
    with register:
        with st.form("register"):
            name = st.text_input(ui.tr("account_name"), max_chars=40, key="reg-name")
            team = st.text_input(ui.tr("team"), max_chars=60, key="reg-team")
            password = st.text_input(ui.tr("password_new"), type="password", key="reg-password")
            if st.form_submit_button(ui.tr("register"), type="primary"):
                try:
                    create_user(name, password, "trainee", team=team)
                except AccountError as e:
                    st.error(ui.tr(f"account_{e.key}"))
                else:
                    _signed_in({"name": name.strip(), "role": "trainee"})


render()
