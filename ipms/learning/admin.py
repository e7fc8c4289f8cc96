"""Operator console for courses, lessons, videos and courseware (product-rules §8)."""

import os

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from ipms.core.admin import AuditedAdminMixin
from ipms.core.files import download_response
from ipms.learning import services
from ipms.learning.models import Course, Courseware, Enrollment, Lesson, LessonProgress, StudyDay
from ipms.learning.templatetags.learning import duration_cn

# --- private files in the console ------------------------------------------------------
# Videos and courseware sit in private storage, which has no public address. The file
# widgets link to console views that check the operator's permission and serve the file.


class _StoredFileLink:
    """Stands in for a FieldFile in the widget: shows the stored name, links to ``url``."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url

    def __str__(self) -> str:
        return os.path.basename(self.name)


class PrivateFileInput(forms.ClearableFileInput):
    download_url: str | None = None

    def format_value(self, value):
        if value and getattr(value, "name", None) and self.download_url:
            return _StoredFileLink(value.name, self.download_url)
        return None

    def is_initial(self, value):
        return isinstance(value, _StoredFileLink) or bool(
            value and getattr(value, "name", None) and self.download_url
        )


class _PrivateFileFormMixin:
    """Points the private file field's widget at its console download view."""

    private_file_field: str
    download_url_name: str

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.private_file_field)
        if field is not None and self.instance.pk:
            field.widget.download_url = reverse(self.download_url_name, args=[self.instance.pk])


class LessonAdminForm(_PrivateFileFormMixin, forms.ModelForm):
    private_file_field = "video"
    download_url_name = "admin:learning_lesson_video"

    class Meta:
        model = Lesson
        fields = (
            "course",
            "number",
            "title",
            "kind",
            "is_published",
            "description",
            "outline",
            "video",
            "duration",
        )
        widgets = {"video": PrivateFileInput}


class CoursewareAdminForm(_PrivateFileFormMixin, forms.ModelForm):
    private_file_field = "file"
    download_url_name = "admin:learning_courseware_file"

    class Meta:
        model = Courseware
        fields = ("title", "file", "order")
        widgets = {"file": PrivateFileInput}


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ("number", "title", "kind", "is_published")
    extra = 0
    show_change_link = True
    ordering = ("number",)
    verbose_name_plural = "课时（视频、简介、课程大纲和课件请点“修改”进入课时页面编辑）"


@admin.register(Course)
class CourseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "lesson_count_display",
        "lecturer_names",
        "credits_per_lesson",
        "is_published",
        "order",
        "updated_at",
    )
    list_display_links = ("title",)
    list_editable = ("is_published", "order")
    list_filter = ("is_published", "exam_score_counts", "lecturers")
    search_fields = ("title", "summary", "audience")
    filter_horizontal = ("lecturers",)
    inlines = (LessonInline,)
    save_on_top = True
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    "title",
                    "cover",
                    "summary",
                    "audience",
                    "description",
                    "lecturers",
                    "order",
                    "is_published",
                )
            },
        ),
        (
            "学分规则",
            {
                "description": (
                    "学分 = 已完成课时数 × 每课时学分 + 学习天数 × 每日学分"
                    "（+ 考试得分，如勾选）。学员的学分 ≥ 所需学分且考试得分 ≥ 所需考试得分时，"
                    "可生成学习证明。"
                ),
                "fields": (
                    "credits_per_lesson",
                    "credits_per_study_day",
                    "exam_score_counts",
                    "proof_min_credits",
                    "proof_min_exam_score",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                admin_lesson_count=Count("lessons", distinct=True),
                admin_published_lessons=Count(
                    "lessons", filter=Q(lessons__is_published=True), distinct=True
                ),
            )
            .prefetch_related("lecturers")
        )

    @admin.display(description="课时数", ordering="admin_lesson_count")
    def lesson_count_display(self, obj):
        total = getattr(obj, "admin_lesson_count", None)
        published = getattr(obj, "admin_published_lessons", None)
        if total is None:
            return "-"
        if total == published:
            return f"{total}课时"
        return f"{total}课时（已发布 {published}）"

    @admin.display(description="讲师")
    def lecturer_names(self, obj):
        return "、".join(lecturer.name for lecturer in obj.lecturers.all()) or "-"

    def save_model(self, request, obj, form, change):
        previous = _previous_file_name(Course, obj, "cover") if change else ""
        super().save_model(request, obj, form, change)
        if "cover" in form.changed_data:
            services.stored_file_replaced(field_file=obj.cover, previous_name=previous)


class CoursewareInline(admin.TabularInline):
    model = Courseware
    form = CoursewareAdminForm
    fields = ("title", "file", "order")
    extra = 1


@admin.register(Lesson)
class LessonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = LessonAdminForm
    list_display = (
        "lesson_label",
        "title",
        "course",
        "kind",
        "duration_display",
        "has_video",
        "courseware_count",
        "is_published",
    )
    list_display_links = ("lesson_label", "title")
    list_filter = ("course", "kind", "is_published", "duration_detected")
    list_select_related = ("course",)
    search_fields = ("title", "course__title", "description", "outline")
    ordering = ("course__order", "course_id", "number")
    inlines = (CoursewareInline,)
    save_on_top = True
    fieldsets = (
        ("基本信息", {"fields": ("course", "number", "title", "kind", "is_published")}),
        ("内容", {"fields": ("description", "outline")}),
        ("视频", {"fields": ("video", "duration", "duration_status")}),
    )
    readonly_fields = ("duration_status",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(admin_courseware_count=Count("coursewares"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A length read from the file is exact; the operator types one only when the file
        # could not be read (or there is no video yet).
        if obj is not None and obj.duration_detected:
            fields.insert(0, "duration")
        return fields

    @admin.display(description="课时", ordering="number")
    def lesson_label(self, obj):
        return obj.label

    @admin.display(description="时长", ordering="duration")
    def duration_display(self, obj):
        return duration_cn(obj.duration) or "-"

    @admin.display(description="视频", boolean=True)
    def has_video(self, obj):
        return bool(obj.video)

    @admin.display(description="课件数", ordering="admin_courseware_count")
    def courseware_count(self, obj):
        return getattr(obj, "admin_courseware_count", "-")

    @admin.display(description="时长识别")
    def duration_status(self, obj):
        if obj is None or obj.pk is None or not obj.video:
            return "尚未上传视频。上传后保存，系统会自动识别时长。"
        if obj.duration_detected:
            return f"已从视频文件自动识别：{duration_cn(obj.duration)}。更换视频后会重新识别。"
        return "未能从视频文件识别时长，请在“时长（秒）”中手工填写。"

    def get_urls(self):
        own = [
            path(
                "<id:pk>/video/",
                self.admin_site.admin_view(self.video_view),
                name="learning_lesson_video",
            ),
            path(
                "courseware/<id:pk>/file/",
                self.admin_site.admin_view(self.courseware_view),
                name="learning_courseware_file",
            ),
        ]
        return own + super().get_urls()

    def video_view(self, request, pk: int):
        lesson = get_object_or_404(Lesson.objects.select_related("course"), pk=pk)
        if not self.has_view_permission(request, lesson):
            raise PermissionDenied
        if not lesson.video:
            raise Http404("该课时没有视频。")
        return download_response(
            lesson.video, download_name=f"{lesson.course.title} 课时{lesson.number} {lesson.title}"
        )

    def courseware_view(self, request, pk: int):
        courseware = get_object_or_404(Courseware.objects.select_related("lesson"), pk=pk)
        if not self.has_view_permission(request, courseware.lesson):
            raise PermissionDenied
        return download_response(courseware.file, download_name=courseware.download_name)

    def view_on_site(self, obj):
        return reverse("learning:course_detail", args=[obj.course_id])

    def save_model(self, request, obj, form, change):
        previous = _previous_file_name(Lesson, obj, "video") if change else ""
        super().save_model(request, obj, form, change)
        if "video" in form.changed_data:
            services.lesson_video_changed(lesson=obj, previous_name=previous)
            obj.refresh_from_db(fields=["duration", "duration_detected"])
            if obj.video and not obj.duration_detected:
                self.message_user(
                    request,
                    format_html("未能识别课时“{}”的视频时长，请手工填写“时长（秒）”。", obj.title),
                    level="warning",
                )

    def save_formset(self, request, form, formset, change):
        replaced = []
        if formset.model is Courseware:
            for inline_form in formset.forms:
                old = inline_form.initial.get("file")
                old_name = getattr(old, "name", old) or ""
                if inline_form.instance.pk and old_name and "file" in inline_form.changed_data:
                    replaced.append((inline_form.instance, old_name))
        super().save_formset(request, form, formset, change)
        for courseware, old_name in replaced:
            services.stored_file_replaced(field_file=courseware.file, previous_name=old_name)


def _previous_file_name(model, obj, field: str) -> str:
    if obj.pk is None:
        return ""
    return model.objects.filter(pk=obj.pk).values_list(field, flat=True).first() or ""


# --- learning records (read-only) ------------------------------------------------------
# Operators inspect learning records here (a learner asks why a lesson is not complete, a
# certification body questions a figure); nobody edits them: learning time is evidence,
# written only by the heartbeat engine.


class _ReadOnlyRecordAdmin(admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False  # counting millions of rows on every page is wasted work
    search_help_text = "按学员手机号（可输入部分号码）或姓名搜索。"
    search_fields = ("user__phone", "user__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="学员", ordering="user__phone")
    def learner(self, obj):
        user = obj.user
        return f"{user.name} {user.phone}" if user.name else user.phone


@admin.register(Enrollment)
class EnrollmentAdmin(_ReadOnlyRecordAdmin):
    list_display = ("learner", "course", "last_lesson", "enrolled_at", "last_opened_at")
    list_filter = ("course",)
    list_select_related = ("user", "course", "last_lesson")
    date_hierarchy = "enrolled_at"
    ordering = ("-last_opened_at", "-id")


@admin.register(LessonProgress)
class LessonProgressAdmin(_ReadOnlyRecordAdmin):
    list_display = (
        "learner",
        "course",
        "lesson_label",
        "credited_display",
        "furthest_display",
        "completed_at",
        "updated_at",
    )
    list_filter = ("course", ("completed_at", admin.EmptyFieldListFilter))
    list_select_related = ("user", "course", "lesson")
    ordering = ("-updated_at", "-id")

    @admin.display(description="课时", ordering="lesson__number")
    def lesson_label(self, obj):
        return str(obj.lesson)

    @admin.display(description="已计学习时长", ordering="credited_seconds")
    def credited_display(self, obj):
        return duration_cn(obj.credited_seconds) or "0秒"

    @admin.display(description="最远观看位置", ordering="furthest_position")
    def furthest_display(self, obj):
        return duration_cn(obj.furthest_position) or "0秒"


@admin.register(StudyDay)
class StudyDayAdmin(_ReadOnlyRecordAdmin):
    list_display = ("learner", "course", "day", "seconds_display")
    list_filter = ("course",)
    list_select_related = ("user", "course")
    date_hierarchy = "day"
    ordering = ("-day", "-id")

    @admin.display(description="当日学习时长", ordering="seconds")
    def seconds_display(self, obj):
        return duration_cn(obj.seconds) or "0秒"
