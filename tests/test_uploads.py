"""Trainer uploads: validated, stored as data, never executed; hostile ones refused."""

import pytest
import streamlit as st
from sqlalchemy import delete

from conftest import ROOT
from trainer.db import uploads
from trainer.persona import load_by_id
from trainer.store import CallStore
from trainer.uploads import UploadError, library, upload

RUSHED = (ROOT / "personas" / "rushed.yaml").read_text(encoding="utf-8")
LESSON = (ROOT / "lessons" / "rushed.yaml").read_text(encoding="utf-8")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path))
    from trainer.store import default_store

    default_store.cache_clear()
    st.cache_resource.clear()
    yield default_store()
    default_store.cache_clear()
    st.cache_resource.clear()


def test_a_new_persona_and_its_lesson_are_published(store):
    persona = RUSHED.replace("id: rushed", "id: busy_manager").replace("name: 刘女士", "name: 周经理")
    assert upload(persona.encode(), "busy_manager.yaml", by="王老师", store=store) == ("persona", "busy_manager")
    assert load_by_id("busy_manager").name == "周经理"
    lesson = LESSON.replace("id: rushed", "id: busy_manager").replace("persona: rushed", "persona: busy_manager")
    assert upload(lesson.encode(), "lesson.yaml", by="王老师", store=store) == ("lesson", "busy_manager")
    lib = library(store)
    assert lib.lessons["busy_manager"].persona == "busy_manager" and lib.problems == []


@pytest.mark.parametrize("raw, message", [
    (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [".encode() + b", ".join([f"*{chr(97 + i)}".encode()] * 10) + b"]\n"
        for i in range(8)), "expands to more than"),
    (b"x" * 2_000_000, "larger than the 1,000,000 allowed"),
    ("name: 王先生\n".encode("gbk"), "not valid UTF-8"),
    (b"!!python/object/apply:os.system ['touch /tmp/pwned']\n", "invalid YAML"),
    (RUSHED.replace("to: interested", "to: intrested").encode(), "unknown state 'intrested'"),
    (RUSHED.encode(), "'rushed' is a bundled persona"),
    (LESSON.replace("persona: rushed", "persona: ghost").replace("id: rushed", "id: ghost").encode(),
     "unknown persona 'ghost'"),
])
def test_hostile_and_broken_uploads_are_refused_with_a_message(store, raw, message):
    with pytest.raises(UploadError) as e:
        upload(raw, "bad.yaml", by="王老师", store=store)
    assert message in "\n".join(e.value.problems)
    assert library(store).problems == []  # nothing stored, nothing broken


def test_a_stored_lesson_that_stops_validating_is_skipped_not_fatal(store):
    persona = RUSHED.replace("id: rushed", "id: temp_persona")
    upload(persona.encode(), "p.yaml", by="王老师", store=store)
    lesson = LESSON.replace("id: rushed", "id: temp_lesson").replace("persona: rushed", "persona: temp_persona")
    upload(lesson.encode(), "l.yaml", by="王老师", store=store)
    with store.engine.begin() as conn:
        conn.execute(delete(uploads).where(uploads.c.name == "temp_persona"))
    lib = library(store)
    assert "temp_lesson" not in lib.lessons and "rushed" in lib.lessons
    assert any("unknown persona 'temp_persona'" in p for p in lib.problems)


def test_teams_are_kept_with_accounts(store):
    from trainer.accounts import create_user
    from trainer.practice import Practice

    create_user("小赵", "password1", team="一组", store=store)
    p = Practice.start("rushed", user="小赵", seed=1, store=store)
    p.say("您好，请问是刘晓燕女士吗？我是电信客服小周。")
    assert [r["team"] for r in store.list("小赵")] == ["一组"]
    assert isinstance(store, CallStore)
