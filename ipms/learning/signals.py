"""Stored files follow their rows: deleting a course, lesson or courseware (directly or by
cascade) removes its file once the deletion is committed. Django leaves files behind
otherwise, and lesson videos are large."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from ipms.learning import services
from ipms.learning.models import Course, Courseware, Lesson

_FILE_FIELDS = {Course: "cover", Lesson: "video", Courseware: "file"}


@receiver(post_delete, sender=Course)
@receiver(post_delete, sender=Lesson)
@receiver(post_delete, sender=Courseware)
def delete_stored_file(sender, instance, **kwargs):
    field_file = getattr(instance, _FILE_FIELDS[sender])
    if field_file:
        services.stored_file_delete_on_commit(storage=field_file.storage, name=field_file.name)
