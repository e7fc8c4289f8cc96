"""What the 考试 tab and the attempt page show, assembled from selectors (reads only).

``exam_overview`` answers the tab: the paper's header (每类题的题数和分值, 总分), the rules,
the learner's attempts and best score, and which button to offer (开始考试 / 继续考试 /
重新考试) or why none — the same rule ``services.attempt_start`` applies under lock.
``attempt_sheet`` lays out one attempt's questions in that attempt's option order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from ipms.exams import selectors, services
from ipms.exams.grading import LETTERS, ordered_options
from ipms.exams.models import Attempt, ExamPaper, Question
from ipms.learning.access import learner_may_learn
from ipms.learning.models import Enrollment


@dataclass(frozen=True)
class PaperHeader:
    single_count: int
    single_points: int
    multiple_count: int
    multiple_points: int

    @property
    def total(self) -> int:
        return self.single_points + self.multiple_points


def paper_header(paper: ExamPaper) -> PaperHeader:
    """From a paper fetched by ``selectors.paper_for_course`` (annotated)."""
    return PaperHeader(
        single_count=paper.single_count,
        single_points=paper.single_points,
        multiple_count=paper.multiple_count,
        multiple_points=paper.multiple_points,
    )


@dataclass
class AttemptRow:
    attempt: Attempt
    overdue: bool

    @property
    def state_label(self) -> str:
        if self.overdue:
            return Attempt.State.EXPIRED.label
        return self.attempt.get_state_display()


@dataclass
class ExamOverview:
    paper: ExamPaper
    header: PaperHeader
    is_learner: bool
    rows: list[AttemptRow] = field(default_factory=list)
    in_progress: Attempt | None = None
    best: int | None = None
    refusal: services.ExamRefused | None = None

    @property
    def used(self) -> int:
        return len(self.rows)

    @property
    def left(self) -> int:
        return max(self.paper.max_attempts - self.used, 0)

    @property
    def action(self) -> str | None:
        """The button's label, or None when no button is offered."""
        if self.in_progress is not None:
            return "继续考试"
        if self.refusal is not None:
            return None
        return "重新考试" if self.rows else "开始考试"

    @property
    def last_graded(self) -> Attempt | None:
        return next(
            (r.attempt for r in self.rows if r.attempt.state == Attempt.State.SUBMITTED), None
        )


def exam_overview(*, user, course, now=None) -> ExamOverview | None:
    """None when the course has no exam a learner could take."""
    now = now or timezone.now()
    paper = selectors.paper_for_course(course)
    if paper is None or not services.paper_ready(paper):
        return None
    is_learner = learner_may_learn(user)
    overview = ExamOverview(paper=paper, header=paper_header(paper), is_learner=is_learner)
    if not is_learner:
        return overview
    attempts = selectors.attempts_of(user=user, paper=paper)
    overview.rows = [
        AttemptRow(
            attempt=a, overdue=a.state == Attempt.State.STARTED and services.is_overdue(a, now)
        )
        for a in attempts
    ]
    overview.in_progress = next(
        (
            r.attempt
            for r in overview.rows
            if r.attempt.state == Attempt.State.STARTED and not r.overdue
        ),
        None,
    )
    scores = [a.score for a in attempts if a.state == Attempt.State.SUBMITTED]
    overview.best = max(scores) if scores else None
    enrolled = Enrollment.objects.filter(user=user, course_id=course.pk).exists()
    lessons_left = 0
    if enrolled and not paper.open_before_lessons_done:
        lessons_left = selectors.required_lessons_left(user=user, course=course)
    overview.refusal = services.start_refusal(
        services.StartFacts(
            may_learn=True,
            enrolled=enrolled,
            paper_ready=True,
            lessons_left=lessons_left,
            used=len(attempts),
            max_attempts=paper.max_attempts,
        )
    )
    return overview


@dataclass(frozen=True)
class SheetOption:
    id: int
    letter: str
    text: str


@dataclass(frozen=True)
class SheetQuestion:
    number: int
    id: int
    kind: str
    kind_label: str
    text: str
    points: int
    options: list[SheetOption]

    @property
    def multiple(self) -> bool:
        return self.kind == Question.Kind.MULTIPLE


def attempt_sheet(attempt: Attempt) -> list[SheetQuestion]:
    """The attempt's questions, options in the attempt's order, lettered A, B, C…"""
    paper = attempt.paper
    sheet = []
    for number, question in enumerate(services.paper_views(paper), start=1):
        shown = ordered_options(
            question.options,
            seed=attempt.seed,
            question_id=question.id,
            shuffle=paper.shuffle_options,
        )
        sheet.append(
            SheetQuestion(
                number=number,
                id=question.id,
                kind=question.kind,
                kind_label=Question.Kind(question.kind).label,
                text=question.text,
                points=question.points,
                options=[
                    SheetOption(id=o.id, letter=LETTERS[i], text=o.text)
                    for i, o in enumerate(shown)
                ],
            )
        )
    return sheet
