"""Every write of the exams app: starting, submitting and expiring attempts.

Concurrency (docs/exams.md): starting locks the learner's enrolment row, so two tabs
pressing 开始考试 at once get the same attempt; submitting locks the attempt row, so a
double submit, a second tab or a retried request finds it already graded and records
nothing more; the database backs both with unique constraints (one attempt in progress
per learner and paper, one answer per question and attempt). The time limit is the
server's: a submit later than the deadline plus a short allowance for the network
(``SUBMIT_GRACE``) expires the attempt without a score.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.workflow import transition
from ipms.exams import messages, selectors
from ipms.exams.grading import OptionView, QuestionView, grade_question, paper_problems
from ipms.exams.models import Answer, Attempt, ExamPaper, Option, Question
from ipms.learning.access import learner_may_learn
from ipms.learning.figures import enrollment_figures_refresh
from ipms.learning.models import Enrollment

logger = logging.getLogger(__name__)

# What a submit may arrive after the deadline and still count: the form posted at the
# last second travels over a slow mobile network.
SUBMIT_GRACE = datetime.timedelta(seconds=30)


class ExamRefused(DomainError):
    code = "exam_refused"


@dataclass(frozen=True)
class QuestionSpec:
    """A question to add: its options in order and the indexes of the right ones."""

    kind: str
    text: str
    points: int
    options: tuple[str, ...]
    right: frozenset[int]


def questions_add(*, paper: ExamPaper, specs: list[QuestionSpec]) -> list[Question]:
    """Append questions with their options to ``paper`` (the import and the demo)."""
    with transaction.atomic():
        start = paper.questions.aggregate(last=Max("order"))["last"] or 0
        created = []
        for offset, spec in enumerate(specs, start=1):
            question = Question(
                paper=paper,
                kind=spec.kind,
                text=spec.text,
                points=spec.points,
                order=start + offset,
            )
            question.full_clean()
            question.save()
            options = [
                Option(question=question, text=text, is_correct=index in spec.right, order=index)
                for index, text in enumerate(spec.options)
            ]
            for option in options:
                option.full_clean(exclude=["question"])
            Option.objects.bulk_create(options)
            created.append(question)
    return created


@transaction.atomic
def paper_create(*, course, specs: list[QuestionSpec], **settings) -> ExamPaper:
    """A paper with its questions; published only when it can be taken (100 points…)."""
    publish = settings.pop("is_published", False)
    paper = ExamPaper(course=course, is_published=False, **settings)
    paper.full_clean()
    paper.save()
    questions_add(paper=paper, specs=specs)
    if publish:
        problems = paper_problems(paper_views(paper))
        if problems:
            raise ExamRefused(
                messages.MSG_PUBLISH_REFUSED.format(problems="；".join(problems)),
                code="paper_not_ready",
            )
        paper.is_published = True
        paper.save(update_fields=["is_published", "updated_at"])
    return paper


def question_views(questions: list[Question]) -> list[QuestionView]:
    """Questions (with prefetched options) as the grading module sees them."""
    return [
        QuestionView(
            id=question.pk,
            kind=question.kind,
            text=question.text,
            points=question.points,
            options=tuple(
                OptionView(id=option.pk, text=option.text, correct=option.is_correct)
                for option in question.options.all()
            ),
        )
        for question in questions
    ]


def paper_views(paper: ExamPaper) -> list[QuestionView]:
    return question_views(selectors.paper_questions(paper))


def is_overdue(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + SUBMIT_GRACE


@dataclass(frozen=True)
class StartFacts:
    """What decides whether a learner may start a new attempt (see ``start_refusal``)."""

    may_learn: bool
    enrolled: bool
    paper_ready: bool  # published, 100 points, every question answerable
    lessons_left: int  # published 必修 lessons not completed (0 when the paper allows)
    used: int  # attempts so far, in any state
    max_attempts: int


def start_refusal(facts: StartFacts) -> ExamRefused | None:
    """Why a new attempt may not start, or None: the one rule the 考试 tab (which button
    to offer) and ``attempt_start`` (under lock) both ask."""
    if not facts.may_learn:
        return ExamRefused(messages.MSG_NOT_A_LEARNER, code="not_a_learner")
    if not facts.paper_ready:
        return ExamRefused(messages.MSG_NO_EXAM, code="no_exam")
    if not facts.enrolled:
        return ExamRefused(messages.MSG_NOT_ENROLLED, code="not_enrolled")
    if facts.lessons_left:
        return ExamRefused(
            messages.MSG_LESSONS_LEFT.format(count=facts.lessons_left), code="lessons_left"
        )
    if facts.used >= facts.max_attempts:
        return ExamRefused(
            messages.MSG_NO_ATTEMPTS_LEFT.format(limit=facts.max_attempts),
            code="no_attempts_left",
        )
    return None


def paper_ready(paper: ExamPaper | None) -> bool:
    if paper is None or not paper.is_published:
        return False
    problems = paper_problems(paper_views(paper))
    if problems:
        logger.warning("exam paper %s published with problems: %s", paper.pk, problems)
    return not problems


@dataclass(frozen=True)
class StartOutcome:
    attempt: Attempt
    resumed: bool  # an attempt in progress was reopened (another tab, a reload)


def _expire(attempt: Attempt, *, user, now, request=None) -> Attempt:
    return transition(
        attempt,
        Attempt.State.EXPIRED,
        actor=user,
        changes={"score": None},
        audit_details={"number": attempt.number, "paper": attempt.paper_id},
        request=request,
    )


def attempt_expire_if_due(*, attempt: Attempt, user, now=None, request=None) -> Attempt:
    """Close an attempt whose time ran out (a learner who never pressed 提交)."""
    now = now or timezone.now()
    if attempt.state != Attempt.State.STARTED or not is_overdue(attempt, now):
        return attempt
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state == Attempt.State.STARTED:
            _expire(locked, user=user, now=now, request=request)
        return locked


def attempt_start(*, user, course, now=None, request=None) -> StartOutcome:
    """开始考试 / 重新考试: the attempt in progress, or a new one if the rules allow."""
    now = now or timezone.now()
    if not learner_may_learn(user):
        raise ExamRefused(messages.MSG_NOT_A_LEARNER, code="not_a_learner")
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update().filter(user=user, course_id=course.pk).first()
        )
        paper = ExamPaper.objects.filter(course_id=course.pk, is_published=True).first()
        ready = paper_ready(paper)
        current = None
        if ready and enrollment is not None:
            current = Attempt.objects.filter(
                user=user, paper=paper, state=Attempt.State.STARTED
            ).first()
        if current is not None:
            if not is_overdue(current, now):
                return StartOutcome(attempt=current, resumed=True)
            _expire(current, user=user, now=now, request=request)
        lessons_left = 0
        if ready and enrollment is not None and not paper.open_before_lessons_done:
            lessons_left = selectors.required_lessons_left(user=user, course=course)
        used = 0
        if ready:
            used = (
                Attempt.objects.filter(user=user, paper=paper).aggregate(last=Max("number"))["last"]
                or 0
            )
        refusal = start_refusal(
            StartFacts(
                may_learn=True,
                enrolled=enrollment is not None,
                paper_ready=ready,
                lessons_left=lessons_left,
                used=used,
                max_attempts=paper.max_attempts if paper else 0,
            )
        )
        if refusal is not None:
            raise refusal
        deadline = None
        if paper.time_limit_minutes:
            deadline = now + datetime.timedelta(minutes=paper.time_limit_minutes)
        attempt = Attempt(
            paper=paper,
            user=user,
            number=used + 1,
            state=Attempt.State.STARTED,
            seed=secrets.randbelow(2**31),
            started_at=now,
            deadline=deadline,
        )
        attempt.full_clean()
        attempt.save()
        audit_record(
            action="exam.attempt_started",
            actor=user,
            obj=attempt,
            details={"course": course.pk, "number": attempt.number},
            request=request,
        )
    return StartOutcome(attempt=attempt, resumed=False)


@dataclass(frozen=True)
class SubmitOutcome:
    attempt: Attempt
    # graded: this request graded it; duplicate: it was graded before (double submit,
    # another tab); expired: the time ran out (now or earlier).
    status: str

    @property
    def message(self) -> str:
        if self.status == "graded":
            return messages.MSG_SUBMITTED.format(score=self.attempt.score)
        if self.status == "duplicate":
            return messages.MSG_ALREADY_SUBMITTED
        if self.status == "expired":
            return messages.MSG_EXPIRED
        return messages.MSG_ALREADY_EXPIRED


def attempt_submit(
    *, user, attempt_id: int, answers: Mapping[int, list[int]], now=None, request=None
) -> SubmitOutcome:
    """提交: grade the answers on the server, once.

    ``answers`` maps question ids to the chosen option ids as posted; ids that do not
    belong to the paper are ignored. Raises ``ExamRefused(code="not_found")`` for an
    attempt that is not the user's.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("paper")
            .filter(pk=attempt_id, user_id=getattr(user, "pk", None))
            .first()
        )
        if attempt is None:
            raise ExamRefused(messages.MSG_NO_EXAM, code="not_found")
        if attempt.state == Attempt.State.SUBMITTED:
            return SubmitOutcome(attempt=attempt, status="duplicate")
        if attempt.state == Attempt.State.EXPIRED:
            return SubmitOutcome(attempt=attempt, status="already_expired")
        if is_overdue(attempt, now):
            _expire(attempt, user=user, now=now, request=request)
            return SubmitOutcome(attempt=attempt, status="expired")
        paper = attempt.paper
        graded = [
            grade_question(
                question,
                answers.get(question.id, ()),
                seed=attempt.seed,
                shuffle=paper.shuffle_options,
            )
            for question in paper_views(paper)
        ]
        Answer.objects.bulk_create(
            Answer(
                attempt=attempt,
                question_id=item.question_id,
                position=position,
                chosen=list(item.chosen),
                is_correct=item.correct,
                points=item.points,
                snapshot=item.snapshot,
            )
            for position, item in enumerate(graded, start=1)
        )
        score = min(sum(item.points for item in graded), 100)
        transition(
            attempt,
            Attempt.State.SUBMITTED,
            actor=user,
            changes={"score": score, "submitted_at": now},
            audit_details={"number": attempt.number, "paper": paper.pk, "score": score},
            request=request,
        )
        # The best score may count for 学分: the enrolment's stored figures follow.
        enrollment_figures_refresh(user_id=attempt.user_id, course_id=paper.course_id)
    return SubmitOutcome(attempt=attempt, status="graded")
