"""Grading and option order as pure functions (no database)."""

import pytest

from ipms.exams import messages
from ipms.exams.grading import (
    OptionView,
    QuestionView,
    grade_question,
    ordered_options,
    paper_problems,
)


def question(kind="single", right="A", count=4, points=10, qid=7):
    return QuestionView(
        id=qid,
        kind=kind,
        text="题目",
        points=points,
        options=tuple(
            OptionView(id=100 + i, text=f"选项{letter}", correct=letter in right)
            for i, letter in enumerate("ABCDEFGH"[:count])
        ),
    )


def ids(*letters):
    return [100 + "ABCDEFGH".index(letter) for letter in letters]


@pytest.mark.parametrize(
    ("kind", "right", "chosen", "correct"),
    [
        ("single", "C", "C", True),
        ("single", "C", "D", False),
        ("single", "C", "", False),
        ("single", "C", "CD", False),  # a tampered form with two answers
        ("multiple", "AC", "AC", True),
        ("multiple", "AC", "CA", True),
        ("multiple", "AC", "A", False),  # 少选
        ("multiple", "AC", "ACD", False),  # 多选
        ("multiple", "AC", "BD", False),
        ("multiple", "AC", "", False),
    ],
)
def test_grading(kind, right, chosen, correct):
    graded = grade_question(question(kind, right), ids(*chosen), seed=1, shuffle=False)
    assert graded.correct is correct
    assert graded.points == (10 if correct else 0)
    assert graded.snapshot["correct_letters"] == right
    assert graded.snapshot["chosen_letters"] == "".join(sorted(chosen))


def test_ids_of_other_questions_are_ignored():
    graded = grade_question(question("single", "A"), [*ids("A"), 999], seed=1, shuffle=False)
    assert graded.correct and graded.chosen == (100,)


def test_shuffled_order_is_stable_per_attempt_and_letters_follow_it():
    q = question("single", "A", count=6)
    first = ordered_options(q.options, seed=42, question_id=q.id, shuffle=True)
    again = ordered_options(q.options, seed=42, question_id=q.id, shuffle=True)
    assert first == again
    orders = {
        tuple(o.id for o in ordered_options(q.options, seed=s, question_id=q.id, shuffle=True))
        for s in range(20)
    }
    assert len(orders) > 1  # other attempts see other orders
    graded = grade_question(q, ids("A"), seed=42, shuffle=True)
    letter = "ABCDEF"[[o.id for o in first].index(100)]
    assert graded.correct and graded.snapshot["correct_letters"] == letter
    assert [o["text"] for o in graded.snapshot["options"]] == [o.text for o in first]


def test_unshuffled_order_is_the_stored_one():
    q = question(count=4)
    assert ordered_options(q.options, seed=5, question_id=q.id, shuffle=False) == list(q.options)


@pytest.mark.parametrize(
    ("questions", "problems"),
    [
        ([], [messages.ERR_NO_QUESTIONS]),
        ([question(points=100)], []),
        (
            [question(points=50, qid=1), question(points=40, qid=2)],
            [messages.ERR_TOTAL.format(points=90, total=100)],
        ),
        (
            [question("single", "AB", points=100)],
            [f"第1题：{messages.ERR_SINGLE_NEEDS_ONE}"],
        ),
        (
            [question("multiple", "A", points=100)],
            [f"第1题：{messages.ERR_MULTIPLE_NEEDS_TWO}"],
        ),
        (
            [question("single", "A", count=1, points=100)],
            [f"第1题：{messages.ERR_TOO_FEW_OPTIONS}"],
        ),
    ],
)
def test_paper_problems(questions, problems):
    assert paper_problems(questions) == problems
