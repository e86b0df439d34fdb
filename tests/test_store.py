"""Practice calls in the database: every turn committed, resumed after a crash."""

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from conftest import ROOT
from trainer.db import migrate, turns
from trainer.practice import Practice
from trainer.store import CallStore


def _urls():
    # SQLite always; PostgreSQL when `make test` started one (it always does; see tests/postgres.sh)
    pg = os.environ.get("TRAINER_TEST_POSTGRES_URL")
    return ["sqlite"] + (["postgresql"] if pg else [])


@pytest.fixture(params=_urls())
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/t.db"
        return
    base = os.environ["TRAINER_TEST_POSTGRES_URL"]
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_save_load_and_list(url):
    store = CallStore(url)
    p = Practice.start("complainer", user="小李", seed=3, store=store)
    p.say("您好，我是宽带客服小李，请问有什么可以帮您？")
    back = Practice.resume(p.call_id, store=store)
    assert back.conv.to_json() == p.conv.to_json() and back.user == "小李"
    rows = store.list("小李")
    assert [(r["call_id"], r["turns"], r["score"]) for r in rows] == [(p.call_id, 1, None)]
    assert store.list("别人") == []
    p.hang_up()
    saved = store.load(p.call_id)
    assert saved["scorecard"]["score"] == saved["score"] and saved["scorecard"]["items"]
    with store.engine.connect() as conn:
        when = conn.execute(select(turns.c.created_at).where(turns.c.session_id == p.call_id)).scalar()
    assert when and when >= p.started  # the time each turn was committed


def test_every_turn_is_committed_as_it_happens(url):
    store = CallStore(url)
    p = Practice.start("rushed", seed=1, store=store)
    other = create_engine(url)  # another connection sees each turn at once
    for n, line in enumerate(["您好，请问是刘晓燕女士吗？我是电信客服小周。", "您的宽带可以免费提速到300兆，月费不变。"], 1):
        p.say(line)
        with other.connect() as conn:
            assert conn.execute(select(func.count()).select_from(turns)).scalar() == n


def test_a_call_survives_the_process_being_killed_mid_call(url):
    script = (
        "import os, sys\n"
        "from trainer.practice import Practice\n"
        "from trainer.store import CallStore\n"
        f"p = Practice.start('complainer', seed=5, store=CallStore({url!r}))\n"
        "p.say('您好，我是宽带客服小李，请问有什么可以帮您？')\n"
        "p.say('王先生，真的很抱歉，我理解您的心情。')\n"
        "print(p.call_id, flush=True)\n"
        "os._exit(9)  # killed: no clean shutdown\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9
    call_id = proc.stdout.strip()
    store = CallStore(url)
    resumed = Practice.resume(call_id, store=store)
    assert len(resumed.conv.turns) == 2 and resumed.conv.state == "heard"
    resumed.say("我这边看到系统记录，您11月3日、10日各报修过一次。")
    assert resumed.conv.state == "facts_set"


def test_migrations_create_the_schema_in_an_empty_database(url):
    engine = create_engine(url)
    migrate(engine)
    names = set(inspect(engine).get_table_names())
    assert {"users", "sessions", "turns", "alembic_version"} <= names
    migrate(engine)  # idempotent
    engine.dispose()


def test_the_suite_has_a_postgresql_server():
    # `make test` (and so CI) always starts one; running pytest by hand without it tests SQLite only
    if os.environ.get("CI"):
        assert os.environ.get("TRAINER_TEST_POSTGRES_URL"), "make test did not start PostgreSQL"


def test_a_database_from_the_first_schema_is_upgraded_in_place(url):
    import json
    import time

    from trainer.conversation import Conversation
    from trainer.persona import load_by_id

    engine = create_engine(url)
    migrate(engine, "0001")  # the first schema: no logins, teams, uploads, turn times or scorecards
    assert "logins" not in inspect(engine).get_table_names()
    conv = Conversation(load_by_id("complainer"), seed=2)
    turn = conv.say("您好，我是宽带客服小李，请问有什么可以帮您？")
    with engine.begin() as conn:  # rows as the first version wrote them
        conn.execute(text("insert into users (name, role, created_at) values ('老用户', 'trainee', :t)"), {"t": time.time()})
        conn.execute(text(
            "insert into sessions (id, user_id, persona, lesson, seed, mode, started_at, state) "
            "values ('old-call-1', 1, 'complainer', 'complainer', 2, 'practice', :t, :state)"),
            {"t": time.time(), "state": conv.to_json()})
        conn.execute(text(
            "insert into turns (session_id, idx, agent, acts, customer, state, mood, measures, events) "
            "values ('old-call-1', 1, :agent, :acts, :customer, :st, :mood, :measures, :events)"),
            {"agent": turn.agent, "acts": json.dumps(turn.acts), "customer": turn.customer, "st": turn.state,
             "mood": json.dumps(turn.mood), "measures": json.dumps(turn.measures), "events": json.dumps(turn.events)})
    engine.dispose()
    store = CallStore(url)  # opening the store upgrades to the newest schema, keeping the rows
    assert {"logins", "uploads"} <= set(inspect(store.engine).get_table_names())
    resumed = Practice.resume("old-call-1", store=store)
    assert resumed.conv.to_json() == conv.to_json() and resumed.user == "老用户"
    resumed.say("王先生，真的很抱歉，我理解您的心情。")
    assert [r["turns"] for r in store.list("老用户")] == [2]
    store.engine.dispose()


def test_accounts_passwords_and_login_tokens(url):
    from trainer.accounts import AccountError, account_of, authenticate, close_login, create_user, open_login

    store = CallStore(url)
    create_user("王老师", "secret-123", "trainer", store=store)
    with store.engine.connect() as conn:
        stored = conn.execute(text("select password_hash from users where name = '王老师'")).scalar()
    assert stored.startswith("scrypt$") and "secret-123" not in stored
    assert authenticate("王老师", "secret-123", store=store) == {"name": "王老师", "role": "trainer"}
    assert authenticate("王老师", "wrong", store=store) is None and authenticate("nobody", "x", store=store) is None
    with pytest.raises(AccountError):
        create_user("王老师", "another-pass", store=store)
    with pytest.raises(AccountError):
        create_user("<script>", "long-enough", store=store)
    token = open_login("王老师", store=store)
    assert account_of(token, store=store)["role"] == "trainer"
    close_login(token, store=store)
    assert account_of(token, store=store) is None
    assert account_of("' or 1=1 --", store=store) is None  # bound parameters only
    store.engine.dispose()


def test_turns_stored_before_the_learning_loop_are_upgraded_with_their_fallbacks(url):
    import json
    import time

    from trainer.corrections import Corrections

    engine = create_engine(url)
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("insert into users (name, role, created_at, team) values ('老用户', 'trainee', :t, '')"),
                     {"t": time.time()})
        conn.execute(text(
            "insert into sessions (id, user_id, persona, lesson, seed, mode, started_at, state) "
            "values ('old-call-2', 1, 'complainer', 'complainer', 2, 'practice', :t, '{}')"), {"t": time.time()})
        for idx, (agent, events) in enumerate([("您好", ["move:ringing[0]"]), ("今天天气不错", ["fallback"])], 1):
            conn.execute(text(
                "insert into turns (session_id, idx, agent, acts, customer, state, mood, measures, events, created_at) "
                "values ('old-call-2', :i, :agent, '[]', '…', 'venting', '{}', '{}', :events, :t)"),
                {"i": idx, "agent": agent, "events": json.dumps(events), "t": time.time()})
    engine.dispose()
    store = CallStore(url)
    assert [u.line for u in Corrections(store).unplaced()] == ["今天天气不错"]
    store.engine.dispose()
