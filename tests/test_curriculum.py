"""The path: progress per lesson and the next lesson from the weakest items."""

from trainer.curriculum import item_rates, progress, suggest_next
from trainer.lesson import default_library

LIB = default_library()
PATH = [lesson.id for lesson in LIB.curriculum()]


def test_the_path_goes_from_basic_to_hard():
    assert PATH[0] == "rushed" and len(PATH) == 13
    difficulties = [LIB.lessons[i].difficulty for i in PATH]
    assert difficulties[0] == 1 and max(difficulties[:3]) <= 2 and difficulties[-1] == 4


def test_no_history_suggests_the_first_lesson():
    assert suggest_next(LIB, []).lesson.id == PATH[0]


def test_progress_marks_passed_lessons_and_best_scores():
    records = [{"lesson": "rushed", "score": 55, "passed": False}, {"lesson": "rushed", "score": 92, "passed": True},
               {"lesson": "complainer", "score": None}]
    p = progress(LIB, records)
    assert (p["rushed"].attempts, p["rushed"].best, p["rushed"].passed) == (2, 92, True)
    assert p["complainer"].attempts == 0


def test_the_weakest_items_choose_the_next_lesson():
    # passed the first lesson, but keeps missing the legal technique's items
    records = [
        {"lesson": "rushed", "score": 95, "passed": True, "items": {"standard_opening": True}},
        {"lesson": "legalistic", "score": 40, "passed": False,
         "items": {"legalistic_acknowledge": False, "legalistic_explain": False, "standard_opening": True}},
    ]
    assert item_rates(records)["standard_opening"] == 1.0
    nxt = suggest_next(LIB, records)
    assert nxt.lesson.id == "legalistic" and nxt.weak_items[0] == "认同客户引用的条款"


def test_everything_passed_suggests_nothing():
    assert suggest_next(LIB, [{"lesson": i, "score": 90, "passed": True} for i in PATH]) is None
