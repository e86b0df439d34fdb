"""Question form, measured per clause: open, closed (yes/no, A-not-A, tag,
choice), rhetorical — as the checklist counts questions (docs/labelling.md).

With punctuation, a clause asks only if its sentence ends in '?' (or the
clause ends in 吗 or a tag); without any (speech-recognition output) the
clause's own words decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# 几 asks only on its own: 好几次, 十几天, 几十 are amounts
_WH = re.compile(
    r"什么|啥|怎么|怎样|咋|为什么|为何|哪|(?<![好十几])几(?!十)[点天个次号位台张部种年月岁楼层遍G]|多少|如何|谁|何时|何处|多久|多长|多大"
)
_A_NOT_A = re.compile(r"(.)[不没]\1|对不对|是不是|好不好|行不行|可不可以|能不能|有没有|要不要|方不方便|需不需要|在不在")
# a tag asks; 吧 asks after a guess (是王先生吧, 没打扰您吧, 用了五年了吧) but softens a
# suggestion (你去营业厅吧, 放心吧); 嘛 softens (可以嘛)
_CLOSED_END = re.compile(
    r"(吗|么)[呢啊呀]?$|(对吧|是吧|好吧|行吧|对吗|是吗|好吗|行吗|可以吗|可以不|行不|好不|对不|是不|没问题吧|没错吧)[呢啊呀]?$"
    r"|(是.{0,12}|可以|没错|的|了|没.{1,6})吧[呢啊呀]?$"
)
# 好吧 / 行吧 alone say yes
_SOFT_BA = re.compile(r"^(那|那就)?(好|行|算了)吧$")
_RHETORICAL = re.compile(
    r"难道|还用(问|说)|怎么可能|^谁让|不就.{0,12}(了吗|吗|了嘛|嘛)$|(我|刚才|不是).{0,6}不是(说|讲|告诉)(过|了).{0,6}(吗|嘛)|"
    r"你(不|没)(知道|看|听|会).{0,14}(吗|嘛)$|有什么好.{0,4}的|你(想|要)怎么样|您(想|要)怎么样|还能是谁|你说呢|您说呢"
)
_EMBEDDED_BEFORE = re.compile(r"看看|查查|查一下|看一下|知道|不管|无论|不论|试试|了解一下|想问|问一下|确认一下|核实一下|问问|咨询一下|告诉您|说一下|记一下")
# offering more help with a question word is an offer, not a question
_MORE_HELP = re.compile(r"还有(什么|啥|其他|其它|别的)?.{0,8}(帮|为您|服务|需要|办|咨询)")
# asking the customer to repeat or wait is a request, not a question
_REQUEST = re.compile(r"重复|再说一(遍|下|次)|再讲一(遍|下)|稍等|等一下|稍候|大声一?点|慢一?点说")
_CHOICE = re.compile(r"(是|选|要|想|看|希望|办|用).{0,14}还是|^还是.{1,14}|还是.{1,10}(方便|合适|好|呢)$")


@dataclass(frozen=True)
class QuestionForm:
    open: int = 0
    closed: int = 0
    rhetorical: bool = False
    choice: bool = False

    @property
    def count(self) -> int:
        return self.open + self.closed


def question_form(text: str, clauses_of) -> QuestionForm:
    """The questions of a normalised line; `clauses_of` cuts a sentence into clauses."""
    open_q = closed_q = 0
    rhetorical = choice = False
    # a line that never marks a sentence end (speech-recognition output, a comma at most)
    # has its questions told by its words alone
    punctuated = bool(re.search(r"[。！!？?]", text))
    pieces = [p for p in re.split(r"(?<=[?？。！!；;])", text) if p.strip()]
    for piece in pieces:
        asked = bool(re.search(r"[?？]", piece))
        clauses = clauses_of(piece)
        seen = False
        for i, clause in enumerate(clauses):
            if _RHETORICAL.search(clause):
                rhetorical = True
                seen = True
                continue
            kind = _clause_kind(clause, asked, i == len(clauses) - 1, punctuated, seen)
            seen = seen or kind is not None
            if kind == "choice":
                choice, kind = True, "closed"
            if kind == "open":
                open_q += 1
            elif kind == "closed":
                closed_q += 1
    return QuestionForm(open_q, closed_q, rhetorical, choice)


def _embedded(clause: str, start: int) -> bool:
    """A question word inside a statement: 看看能不能, 不知道什么, 哪里投诉都一样."""
    before = clause[:start]
    return bool(_EMBEDDED_BEFORE.search(before) or re.search(r"[不没]", before) or re.search(r"[都也]", clause[start:]))


def _clause_kind(clause: str, asked: bool, last: bool, punctuated: bool, seen: bool) -> str | None:
    """'open', 'closed', 'choice' or None for one clause of a sentence.

    `asked`: the sentence ends in '?'; `seen`: an earlier clause of it already
    asked, so the '?' belongs to that question.
    """
    if _REQUEST.search(clause) and not _WH.search(clause):
        return None
    more_help = _MORE_HELP.search(clause)
    if _CLOSED_END.search(clause) and not _SOFT_BA.search(clause):
        return "closed"
    if more_help:
        return None
    may_ask = asked or not punctuated
    if _CHOICE.search(clause) and may_ask:
        return "choice"
    a_not_a = _A_NOT_A.search(clause)
    if a_not_a and may_ask and not _embedded(clause, a_not_a.start()) and "信不信" not in clause:
        return "closed"
    wh = _WH.search(clause)
    if wh and not _embedded(clause, wh.start()):
        if asked or clause.startswith("请问") or (not punctuated and not re.search(r"[是了的]$", clause)):
            return "open"
    if asked and last and not seen:
        return "closed"
    return None
