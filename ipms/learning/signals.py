"""Model signals of the learning app.

* Stored files follow their rows: deleting a course, lesson or courseware (directly or by
  cascade) removes its file once the deletion is committed. Django leaves files behind
  otherwise, and lesson videos are large.
* The enrolments' stored figures (ipms.learning.figures) follow the operator's edits: a
  change of a course's 学分 rules, or a lesson published, unpublished or moved to another
  course, queues ``figures_recompute_task`` for the course(s) once the change is
  committed; enabling or disabling an account repeats ``is_active`` on its enrolments.
  Bulk ``QuerySet.update()`` calls bypass signals: ``manage.py learning_figures_repair``
  puts the figures right after such a change.
"""

from celery import current_app
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from ipms.learning import services
from ipms.learning.models import Course, Courseware, Lesson

_FILE_FIELDS = {Course: "cover", Lesson: "video", Courseware: "file"}

# What a stored figure depends on, per model (ipms.learning.figures.record_expressions).
_FIGURE_INPUTS = {
    Course: ("credits_per_lesson", "credits_per_study_day", "exam_score_counts"),
    Lesson: ("is_published", "course_id"),
}


@receiver(post_delete, sender=Course)
@receiver(post_delete, sender=Lesson)
@receiver(post_delete, sender=Courseware)
def delete_stored_file(sender, instance, **kwargs):
    field_file = getattr(instance, _FILE_FIELDS[sender])
    if field_file:
        services.stored_file_delete_on_commit(storage=field_file.storage, name=field_file.name)


def _relevant(sender, update_fields) -> bool:
    if update_fields is None:
        return True
    names = {name.removesuffix("_id") for name in update_fields}
    return any(field.removesuffix("_id") in names for field in _FIGURE_INPUTS[sender])


@receiver(pre_save, sender=Course)
@receiver(pre_save, sender=Lesson)
def remember_figure_inputs(sender, instance, raw=False, update_fields=None, **kwargs):
    """Read the row's figure inputs as stored, to compare once it is saved (one query,
    only on the console's and the services' saves of an existing course or lesson)."""
    if raw or instance.pk is None or not _relevant(sender, update_fields):
        instance._figure_inputs_before = None
        return
    instance._figure_inputs_before = (
        sender.objects.filter(pk=instance.pk).values_list(*_FIGURE_INPUTS[sender]).first()
    )


@receiver(post_save, sender=Course)
@receiver(post_save, sender=Lesson)
def recompute_figures_on_change(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_figure_inputs_before", None)
    instance._figure_inputs_before = None
    if created or raw or before is None:
        return  # a new course has no learners; a new lesson has no completions yet
    after = tuple(getattr(instance, name) for name in _FIGURE_INPUTS[sender])
    if after == before:
        return
    course_ids = {instance.pk} if sender is Course else {before[1], instance.course_id}
    for course_id in sorted(course_ids):
        figures_recompute_queue(course_id=course_id)


def figures_recompute_queue(*, course_id: int) -> None:
    """Recompute a course's stored figures: in the embedded mode at once, inside the
    transaction that changed the course (so the change and its figures commit together);
    with a worker, queued once that transaction commits (so the worker sees the change)."""
    from ipms.learning.tasks import figures_recompute_task

    if current_app.conf.task_always_eager:
        figures_recompute_task.apply(kwargs={"course_id": course_id})
    else:
        transaction.on_commit(lambda: figures_recompute_task.delay(course_id=course_id))


@receiver(post_save, sender=get_user_model())
def follow_account_state(sender, instance, created=False, raw=False, update_fields=None, **kw):
    """An account enabled or disabled: its enrolments' ``learner_active`` follow (one
    UPDATE by the enrolments' user index, only when ``is_active`` may have changed)."""
    if created or raw:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    from ipms.learning.figures import learner_active_sync

    learner_active_sync(user=instance)
