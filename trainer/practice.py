"""A practice session as the app runs it: lesson + call + hints + scorecard.

Everything the browser pages need lives here, so a page only draws: input is
checked (empty, too long) before it reaches the engine, the call is saved after
every turn (a reload or a second tab resumes it from the store), and the
scorecard is computed from the call as it stands.
"""

from __future__ import annotations

import json
import secrets
import time

from .checklist import view_of
from .conversation import Conversation, Turn, turn_record
from .lesson import Lesson, Library, default_library
from .persona import Persona, load_by_id
from .scoring import Scorecard, hint, score
from .store import CallStore, default_store
from .text import MAX_LINE, script_of
from .training import current_understanding
from .understanding import default_understanding


class InputProblem(ValueError):
    """A trainee line that is not played; `key` names the message to show."""

    def __init__(self, key: str, **values):
        self.key = key
        self.values = values
        super().__init__(key)


class Practice:
    """One practice call of one trainee on one lesson."""

    def __init__(self, lesson: Lesson, persona: Persona, conv: Conversation, call_id: str,
                 started: float, user: str, library: Library, store: CallStore, mode: str | None = None):
        self.lesson = lesson if mode in (None, lesson.mode) else lesson.model_copy(update={"mode": mode})
        self.persona = persona
        self.conv = conv
        self.call_id = call_id
        self.started = started
        self.user = user
        self.library = library
        self.store = store
        self.ended_at: float | None = None

    # -- lifecycle --------------------------------------------------------------
    @classmethod
    def start(cls, lesson_id: str, user: str = "guest", seed: int | None = None, mode: str | None = None,
              library: Library | None = None, store: CallStore | None = None) -> "Practice":
        library = library or default_library()
        store = store or default_store()
        lesson = library.lesson(lesson_id)
        persona = load_by_id(lesson.persona)
        seed = secrets.randbelow(1_000_000) if seed is None else seed
        conv = Conversation(persona, seed=seed, understanding=current_understanding(store))
        p = cls(lesson, persona, conv, secrets.token_urlsafe(9), time.time(), user, library, store, mode)
        p.save()
        return p

    @classmethod
    def resume(cls, call_id: str, library: Library | None = None, store: CallStore | None = None) -> "Practice":
        """The call saved under `call_id` (KeyError if there is none)."""
        library = library or default_library()
        store = store or default_store()
        d = store.load(call_id)
        lesson = library.lesson(d["lesson"])
        persona = load_by_id(d["persona"])
        conv = Conversation.from_json(d["call"], persona, understanding=current_understanding(store))
        p = cls(lesson, persona, conv, call_id, d["started"], d["user"], library, store, d.get("mode"))
        p.ended_at = d.get("ended_at")
        return p

    def save(self) -> None:
        card = self.scorecard() if self.conv.ended else None
        self.store.save(self.call_id, {
            "call_id": self.call_id, "user": self.user, "lesson": self.lesson.id, "persona": self.persona.id,
            "mode": self.lesson.mode, "started": self.started, "ended_at": self.ended_at,
            "model": self.conv.understanding.model_id,
            "call": json.loads(self.conv.to_json()),
            "score": card.score if card else None, "passed": card.passed if card else None,
            "items": {it.id: it.passed for it in card.items if it.applicable} if card else None,
            "scorecard": card.to_dict() if card else None,
        })

    # -- the call -----------------------------------------------------------------
    def say(self, line: str, audio: dict[str, float] | None = None) -> Turn:
        """Play one trainee line (`audio`: its voice metrics when spoken); InputProblem if
        it cannot be played."""
        if self.conv.ended:
            raise InputProblem("call_over")
        text = (line or "").strip()
        if not text:
            raise InputProblem("empty_line")
        if len(text) > MAX_LINE:
            raise InputProblem("line_too_long", chars=len(text), limit=MAX_LINE)
        script = script_of(text)
        if script != "chinese":  # an English line or emoji alone: the customer understands Chinese
            raise InputProblem("not_chinese" if script == "latin" else "no_words")
        turn = self.conv.say(text, audio)
        if self.conv.ended:
            self.ended_at = time.time()
        self.save()
        return turn

    def hang_up(self) -> None:
        """The trainee ends the call."""
        if not self.conv.ended:
            self.conv.hang_up()
            self.ended_at = time.time()
            self.save()

    def hint(self) -> str | None:
        return hint(self.lesson, self.library, view_of(self.conv))

    def scorecard(self) -> Scorecard:
        return score(self.lesson, self.library, view_of(self.conv))

    def rescored(self, fixes: dict[int, dict]) -> Scorecard:
        """The scorecard as it would be with trainers' corrections (`Corrections.for_call`) in
        place of the acts they correct. The call's record and stored scorecard stay as they are;
        the customer's replies are the ones the call had."""
        from .checklist import view_of_record
        from .corrections import rescored_acts

        record = {"opening": self.conv.opening, "outcome": self.conv.outcome, "ended": self.conv.ended,
                  "hung_up_by": self.conv.hung_up_by, "turns": rescored_acts([vars(t) for t in self.conv.turns], fixes)}
        return score(self.lesson, self.library, view_of_record(record, self.persona, self.conv.understanding))

    # -- voice ------------------------------------------------------------------------
    def prepare_voice(self, speaker=None) -> int:
        """Synthesize the persona's lines ahead, in the background; returns how many were queued."""
        from .voice.speech import default_speaker

        return (speaker or default_speaker()).prepare(self.persona, self.conv.mood)

    def customer_audio(self, speaker=None) -> bytes | None:
        """WAV of the customer's latest line as their mood makes it sound (None before they speak).
        Raises voice.SpeechUnavailable when there is no speech engine."""
        from .voice.speech import default_speaker, delivery_for

        text = self.conv.turns[-1].customer if self.conv.turns else self.conv.opening
        if not text:
            return None
        speaker = speaker or default_speaker()
        return speaker.reply_audio(text, delivery_for(self.persona.voice, self.conv.mood),
                                   self.persona.customer_lines())

    def hear(self, data: bytes, recognizer=None):
        """What the trainee's recording says and how it sounds (`voice.Heard`).
        Raises voice.AudioProblem for a bad recording, SpeechUnavailable without an engine;
        the call itself is untouched either way."""
        from .voice.recognition import default_recognizer

        if self.conv.ended:
            raise InputProblem("call_over")
        return (recognizer or default_recognizer()).hear(data)

    def say_heard(self, heard, text: str | None = None) -> Turn:
        """Play a recognized line; `text` is the trainee's correction of it, if the lesson allows."""
        line = heard.text if text is None or not self.lesson.transcript_editable else text
        audio = dict(heard.metrics, edited=float(line.strip() != heard.text))
        return self.say(line, audio)

    # -- what the call screen shows ---------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.conv.ended

    @property
    def elapsed(self) -> int:
        return int((self.ended_at or time.time()) - self.started)

    @property
    def customer_said_goodbye(self) -> bool:
        """Ending now would not be a fault: the outcome is decided."""
        return self.conv.outcome is not None

    def transcript(self) -> list[dict]:
        """Lines in order, each {who, text, turn}; the customer's opening first for outbound."""
        rows = [{"who": "customer", "text": self.conv.opening, "turn": 0}] if self.conv.opening else []
        for t in self.conv.turns:
            rows.append({"who": "agent", "text": t.agent, "turn": t.index, "audio": t.audio})
            rows.append({"who": "customer", "text": t.customer, "turn": t.index})
        return rows

    def export(self) -> dict:
        """Transcript and scorecard, for download."""
        return {
            "call_id": self.call_id, "lesson": self.lesson.id, "persona": self.persona.id,
            "seed": self.conv.seed, "outcome": self.conv.outcome, "hung_up_by": self.conv.hung_up_by,
            "opening": self.conv.opening,
            "turns": [turn_record(t) for t in self.conv.turns],
            "scorecard": self.scorecard().to_dict(),
        }


def replay_lesson_call(lesson: Lesson, which: str = "model_call") -> Conversation:
    """The lesson's model (教) or poor call, played out."""
    script = getattr(lesson, which)
    conv = Conversation(load_by_id(lesson.persona), seed=script.seed, understanding=default_understanding())
    return conv.play_script(script.turns, script.hangup)
