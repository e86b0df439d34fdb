"""The call (练): banner and customer record, transcript, mood, hints, hang-up."""

import hashlib

import streamlit as st

from trainer.app import ui
from trainer.practice import InputProblem
from trainer.voice import AudioProblem, SpeechUnavailable

MOODS = {"anger": "mood_anger", "trust": "mood_trust", "patience": "mood_patience"}


def render() -> None:
    practice = ui.current_practice()
    lesson = practice.lesson if practice else ui.selected_lesson()
    if lesson is None:
        st.info(ui.tr("no_lesson"))
        return
    persona = ui.persona(lesson.persona)
    if isinstance(persona, str):
        st.error(f"{ui.tr('persona_broken')}\n\n{ui.plain(persona)}", icon="⚠️")
        return
    if practice is None:
        _ringing(lesson, persona)
        return

    line = None if practice.ended else st.chat_input(ui.tr("say_placeholder"), max_chars=None, key="say")
    problem = None
    if line is not None:
        try:
            practice.say(line)
        except InputProblem as e:
            problem = ui.tr(e.key, **e.values)
        if practice.ended:
            st.rerun()  # the customer hung up: draw the ended call, without the input box

    main, side = st.columns([3, 1])
    with side:
        voice = ui.voice_toggle()
        _meters(practice)
        if not practice.ended:
            if not practice.customer_said_goodbye:
                st.caption(ui.tr("hang_up_early"))
            if st.button(ui.tr("hang_up"), type="primary", key="hangup", icon="📵"):
                practice.hang_up()
                st.rerun()
        with st.expander(ui.tr("record"), expanded=False):
            _record(persona)
    with main:
        st.subheader(f"{ui.plain(persona.name)} · {ui.plain(lesson.title)}")
        for row in practice.transcript():
            who, avatar = ("user", "🎧") if row["who"] == "agent" else ("assistant", "👤")
            with st.chat_message(who, avatar=avatar):
                st.markdown(ui.plain(row["text"]))
                if row.get("audio"):
                    st.caption(ui.voice_caption(row["audio"]))
        if voice:
            _customer_voice(practice)
            if not practice.ended:
                problem = _microphone(practice) or problem
        if problem:
            st.warning(problem, icon="✋")
        if practice.ended:
            who = ui.tr("customer_hung_up") if practice.conv.hung_up_by == "customer" else ui.tr("you_hung_up")
            st.error(f"📴 {who} · {ui.tr('outcome')}: {ui.tr(f'outcome_{practice.conv.outcome}')}", icon=None)
            if st.button(ui.tr("see_scorecard"), type="primary", key="to-card"):
                ui.go("scorecard", call=practice.call_id)
        else:
            tip = practice.hint()
            if tip:
                st.info(f"💡 {ui.plain(tip)}")


def _customer_voice(practice) -> None:
    """The customer's latest line, aloud; played by itself once, when it is new."""
    if not st.session_state.get(f"voice-ready-{practice.call_id}"):
        try:
            practice.prepare_voice()  # the persona's lines, synthesized ahead in the background
        except SpeechUnavailable:
            pass  # said below, once, when the line is asked for
        st.session_state[f"voice-ready-{practice.call_id}"] = True
    try:
        audio = practice.customer_audio()
    except SpeechUnavailable as e:
        st.warning(ui.tr("tts_unavailable", reason=ui.plain(str(e))), icon="🔇")
        return
    if audio is None:
        return
    mark = (practice.call_id, len(practice.conv.turns))
    fresh = st.session_state.get("voice-played") != mark
    st.session_state["voice-played"] = mark
    st.audio(audio, format="audio/wav", autoplay=fresh)


def _microphone(practice) -> str | None:
    """Record (or upload) a line, recognize it, and send it; returns a problem to show."""
    turn = len(practice.conv.turns)
    ok, why = ui.listening()
    if not ok:
        st.warning(ui.tr("stt_unavailable", reason=ui.plain(why)), icon="🎙")
    recording = st.audio_input(ui.tr("record_line"), key=f"mic-{practice.call_id}-{turn}")
    with st.expander(ui.tr("upload_wav")):
        uploaded = st.file_uploader(ui.tr("upload_wav"), key=f"wav-{practice.call_id}-{turn}",
                                    label_visibility="collapsed")
    source = recording if recording is not None else uploaded
    if source is None:
        return None
    data = source.getvalue()
    digest = hashlib.sha1(data).hexdigest()
    cache = st.session_state.setdefault("heard", {})
    if digest not in cache:  # recognize a recording once, not on every rerun
        try:
            cache[digest] = practice.hear(data)
        except AudioProblem as e:
            cache[digest] = e.message(ui.lang())
        except SpeechUnavailable as e:
            cache[digest] = ui.tr("stt_unavailable", reason=ui.plain(str(e)))
        except InputProblem as e:
            cache[digest] = ui.tr(e.key, **e.values)
    heard = cache[digest]
    if isinstance(heard, str):
        return heard
    if practice.lesson.transcript_editable:
        text = st.text_input(ui.tr("heard_edit"), value=heard.text, key=f"heard-{digest}")
        if not st.button(ui.tr("send_heard"), type="primary", key=f"send-{digest}", icon="📤"):
            return None
    else:
        text = heard.text
    try:
        practice.say_heard(heard, text)
    except InputProblem as e:
        return ui.tr(e.key, **e.values)
    st.rerun()  # the new turn: fresh recorder, the customer's answer aloud


def _ringing(lesson, persona) -> None:
    inbound = persona.direction == "inbound"
    with st.container(border=True):
        st.markdown(f"### {'📲 ' + ui.tr('incoming') if inbound else '☎️ ' + ui.tr('outbound')}："
                    f"{ui.plain(persona.record.customer)} {ui.plain(persona.record.phone)}")
        _record(persona)
    mode = st.session_state.get("pending_mode", lesson.mode)
    ui.voice_toggle()
    if st.button(ui.tr("answer") if inbound else ui.tr("dial"), type="primary", key="pickup", icon="📞"):
        ui.start_practice(lesson.id, mode)
        st.rerun()


def _record(persona) -> None:
    r = persona.record
    st.markdown(f"**{ui.tr('record')}**：{ui.plain(r.customer)} · {ui.plain(r.phone)} · "
                f"{ui.plain(r.account)} · {ui.plain(r.product)}")
    if r.history:
        st.markdown(f"**{ui.tr('history_items')}**")
        for h in r.history:
            st.markdown(f"- {ui.plain(h)}")
    if r.remedies:
        st.markdown(f"**{ui.tr('remedies')}**")
        for h in r.remedies:
            st.markdown(f"- {ui.plain(h)}")
    if r.notes:
        st.caption(f"{ui.tr('notes')}：{ui.plain(r.notes)}")


def _meters(practice) -> None:
    st.markdown(f"**{ui.tr('mood')}**")
    for name, value in practice.conv.mood.items():
        label = ui.tr(MOODS[name]) if name in MOODS else ui.plain(name)
        st.progress(value / 100, text=f"{label} {value}")
    _clock(practice)


@st.fragment(run_every=1)
def _clock(practice) -> None:
    m, s = divmod(practice.elapsed, 60)
    c1, c2 = st.columns(2)
    c1.metric(ui.tr("timer"), f"{m:02d}:{s:02d}")
    c2.metric(ui.tr("turns"), len(practice.conv.turns))


render()
