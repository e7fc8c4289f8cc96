"""Grading and option order, pure functions (table-tested without a database).

* A 单选题 scores its points when the one chosen option is the right one.
* A 多选题 scores its points only when the chosen options are exactly the right ones
  (少选、多选、错选均不得分, the common rule of Chinese certification exams); there is no
  partial credit.
* An unanswered question scores 0.

The order of a question's options in an attempt comes from the attempt's seed and the
question's id, so every reload of the same attempt shows the same order, and another
attempt another order. Letters (A, B, C…) follow the order shown.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ipms.exams import messages

LETTERS = string.ascii_uppercase
MIN_OPTIONS = 2
MAX_OPTIONS = 8


@dataclass(frozen=True)
class OptionView:
    id: int
    text: str
    correct: bool


@dataclass(frozen=True)
class QuestionView:
    id: int
    kind: str  # "single" | "multiple"
    text: str
    points: int
    options: tuple[OptionView, ...]


@dataclass(frozen=True)
class Graded:
    question_id: int
    chosen: tuple[int, ...]  # option ids, as shown order
    correct: bool
    points: int
    snapshot: dict


def ordered_options(
    options: Sequence[OptionView], *, seed: int, question_id: int, shuffle: bool
) -> list[OptionView]:
    """The options in the order this attempt shows them."""
    shown = list(options)
    if shuffle:
        random.Random(f"{seed}:{question_id}").shuffle(shown)  # noqa: S311 - not security
    return shown


def letters_of(ids: Iterable[int], shown: Sequence[OptionView]) -> str:
    """“AC”: the letters of the given option ids in the shown order."""
    wanted = set(ids)
    return "".join(LETTERS[i] for i, option in enumerate(shown) if option.id in wanted)


def grade_question(
    question: QuestionView, chosen: Iterable[int], *, seed: int, shuffle: bool
) -> Graded:
    shown = ordered_options(question.options, seed=seed, question_id=question.id, shuffle=shuffle)
    valid = {option.id for option in shown}
    picked = {option_id for option_id in chosen if option_id in valid}
    # A tampered form may post two answers to a 单选题: wrong, whatever they are.
    picked_ok = not (question.kind == "single" and len(picked) > 1)
    right = {option.id for option in shown if option.correct}
    correct = picked_ok and bool(picked) and picked == right
    snapshot = {
        "kind": question.kind,
        "text": question.text,
        "points": question.points,
        "options": [
            {
                "letter": LETTERS[i],
                "text": option.text,
                "correct": option.correct,
                "chosen": option.id in picked,
            }
            for i, option in enumerate(shown)
        ],
        "correct_letters": letters_of(right, shown),
        "chosen_letters": letters_of(picked, shown),
    }
    ordered_pick = tuple(option.id for option in shown if option.id in picked)
    return Graded(
        question_id=question.id,
        chosen=ordered_pick,
        correct=correct,
        points=question.points if correct else 0,
        snapshot=snapshot,
    )


def question_problems(question: QuestionView) -> list[str]:
    """What keeps a question from being asked (empty when it is fine)."""
    problems = []
    count = len(question.options)
    right = sum(1 for option in question.options if option.correct)
    if count < MIN_OPTIONS:
        problems.append(messages.ERR_TOO_FEW_OPTIONS)
    if count > MAX_OPTIONS:
        problems.append(messages.ERR_TOO_MANY_OPTIONS)
    if question.kind == "single" and right != 1:
        problems.append(messages.ERR_SINGLE_NEEDS_ONE)
    if question.kind == "multiple" and right < 2:
        problems.append(messages.ERR_MULTIPLE_NEEDS_TWO)
    return problems


def paper_problems(questions: Sequence[QuestionView], *, total: int = 100) -> list[str]:
    """Why a paper cannot be taken (empty when it can): no questions, points not adding up
    to 100, a question without a right option…"""
    if not questions:
        return [messages.ERR_NO_QUESTIONS]
    problems = []
    points = sum(question.points for question in questions)
    if points != total:
        problems.append(messages.ERR_TOTAL.format(points=points, total=total))
    for number, question in enumerate(questions, start=1):
        problems.extend(f"第{number}题：{problem}" for problem in question_problems(question))
    return problems
