"""Operator console for exam papers, questions (with their options), the question bank
import and, read-only, the learners' attempts (product-rules §6, docs/exams.md)."""

from __future__ import annotations

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from ipms.core.admin import AuditedAdminMixin
from ipms.core.excel import XLSX_MIME
from ipms.core.files import FILE_EMPTY
from ipms.exams import imports
from ipms.exams import messages as texts
from ipms.exams.grading import (
    MAX_OPTIONS,
    OptionView,
    QuestionView,
    paper_problems,
    question_problems,
)
from ipms.exams.models import TOTAL_POINTS, Answer, Attempt, ExamPaper, Option, Question
from ipms.exams.services import paper_views


def _refused(problems: list[str]) -> ValidationError:
    return ValidationError(texts.MSG_PUBLISH_REFUSED.format(problems="；".join(problems[:6])))


class PaperQuestionFormSet(forms.BaseInlineFormSet):
    """A published paper keeps 100 points and answerable questions after the edit."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.is_published:
            return
        views = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            question = form.instance
            options = ()
            if question.pk:
                options = tuple(
                    OptionView(id=o.pk, text=o.text, correct=o.is_correct)
                    for o in question.options.all()
                )
            views.append(
                QuestionView(
                    id=question.pk or 0,
                    kind=data["kind"],
                    text=data["text"],
                    points=data["points"],
                    options=options,
                )
            )
        problems = paper_problems(views, total=TOTAL_POINTS)
        if problems:
            raise _refused(problems)


class QuestionInline(admin.TabularInline):
    model = Question
    formset = PaperQuestionFormSet
    fields = ("order", "kind", "text", "points", "options_link")
    readonly_fields = ("options_link",)
    extra = 0
    show_change_link = True
    formfield_overrides = {
        Question._meta.get_field("text").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 60})
        }
    }

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="选项")
    def options_link(self, obj):
        if obj is None or obj.pk is None:
            return "保存后再编辑选项"
        options = list(obj.options.all())
        right = "".join("ABCDEFGH"[i] for i, o in enumerate(options) if o.is_correct)
        return format_html(
            '{} 个选项，正确答案 {}　<a href="{}">编辑选项</a>',
            len(options),
            right or "未设置",
            reverse("admin:exams_question_change", args=[obj.pk]),
        )


@admin.register(ExamPaper)
class ExamPaperAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "course",
        "question_count",
        "points_total",
        "is_published",
        "time_limit_minutes",
        "max_attempts",
        "updated_at",
    )
    list_select_related = ("course",)
    list_filter = ("is_published", "shuffle_options", "open_before_lessons_done")
    search_fields = ("course__title",)
    inlines = (QuestionInline,)
    save_on_top = True
    readonly_fields = ("summary", "paper_check")
    fieldsets = (
        ("试卷", {"fields": ("course", "instructions", "is_published", "summary", "paper_check")}),
        (
            "考试规则",
            {
                "fields": (
                    "shuffle_options",
                    "time_limit_minutes",
                    "max_attempts",
                    "open_before_lessons_done",
                )
            },
        ),
    )
    change_form_template = "admin/exams/exampaper/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(admin_questions=Count("questions"), admin_points=Sum("questions__points"))
        )

    @admin.display(description="试题数", ordering="admin_questions")
    def question_count(self, obj):
        return getattr(obj, "admin_questions", "-")

    @admin.display(description="总分", ordering="admin_points")
    def points_total(self, obj):
        return getattr(obj, "admin_points", None) or 0

    @admin.display(description="题型与分值")
    def summary(self, obj):
        if obj is None or obj.pk is None:
            return "保存后添加试题。"
        rows = {kind: [0, 0] for kind, _ in Question.Kind.choices}
        for question in obj.questions.all():
            rows[question.kind][0] += 1
            rows[question.kind][1] += question.points
        parts = [
            f"{label} {rows[kind][0]}题 {rows[kind][1]}分" for kind, label in Question.Kind.choices
        ]
        total = sum(points for _, points in rows.values())
        return "，".join(parts) + f"；总分：{total} 分"

    @admin.display(description="检查")
    def paper_check(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        problems = paper_problems(paper_views(obj), total=TOTAL_POINTS)
        if not problems:
            return "试卷完整，可以发布。"
        return format_html(
            "<ul class='errorlist'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((p,) for p in problems)),
        )

    def view_on_site(self, obj):
        return reverse("learning:course_detail", args=[obj.course_id]) + "#exam"

    def get_urls(self):
        own = [
            path(
                "<id:pk>/import/",
                self.admin_site.admin_view(self.import_view),
                name="exams_exampaper_import",
            ),
            path(
                "import-template/",
                self.admin_site.admin_view(self.template_view),
                name="exams_exampaper_import_template",
            ),
        ]
        return own + super().get_urls()

    def template_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = FileResponse(
            io.BytesIO(imports.build_template()),
            as_attachment=True,
            filename=imports.TEMPLATE_FILENAME,
            content_type=XLSX_MIME,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response

    def import_view(self, request, pk: int):
        paper = get_object_or_404(ExamPaper.objects.select_related("course"), pk=pk)
        if not self.has_change_permission(request, paper):
            raise PermissionDenied
        form = QuestionImportForm(request.POST or None, request.FILES or None)
        row_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = imports.question_import(
                    paper=paper,
                    upload=form.cleaned_data["file"],
                    replace=form.cleaned_data["mode"] == "replace",
                    by=request.user,
                    request=request,
                )
            except ValidationError as error:
                form.add_error("file", error)
            except imports.ImportRowsError as error:
                form.add_error(None, error.message)
                row_errors = error.errors
            except imports.ImportFileError as error:
                form.add_error("file", error.message)
            else:
                self.message_user(request, result.message, level=messages.SUCCESS)
                return redirect("admin:exams_exampaper_change", paper.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"导入试题：{paper}",
            "opts": self.model._meta,
            "original": paper,
            "form": form,
            "row_errors": row_errors,
            "template_url": reverse("admin:exams_exampaper_import_template"),
            "max_rows": imports.MAX_ROWS,
        }
        return TemplateResponse(request, "admin/exams/exampaper/import.html", context)


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label="题库文件",
        help_text=f"按模板填写的 .xlsx 文件，不超过 1 MB、{imports.MAX_ROWS} 道试题。",
        error_messages={"required": "请选择要导入的题库文件。", "empty": FILE_EMPTY},
    )
    mode = forms.ChoiceField(
        label="导入方式",
        choices=(("append", "追加到现有试题之后"), ("replace", "替换试卷中的全部试题")),
        initial="append",
        widget=forms.RadioSelect,
    )


class QuestionOptionFormSet(forms.BaseInlineFormSet):
    """The options of one question: the right number of right answers for its type."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        options = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("text"):
                continue
            options.append(OptionView(id=0, text=data["text"], correct=data["is_correct"]))
        question = self.instance
        view = QuestionView(
            id=0,
            kind=question.kind,
            text=question.text,
            points=question.points or 0,
            options=tuple(options),
        )
        problems = question_problems(view)
        if problems:
            raise ValidationError(problems)


class OptionInline(admin.TabularInline):
    model = Option
    formset = QuestionOptionFormSet
    fields = ("order", "text", "is_correct")
    extra = 4
    max_num = MAX_OPTIONS


class QuestionAdminForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ("paper", "order", "kind", "text", "points")

    def clean(self):
        cleaned = super().clean()
        paper, points = cleaned.get("paper"), cleaned.get("points")
        if paper is None or points is None or not paper.is_published:
            return cleaned
        others = paper.questions.exclude(pk=self.instance.pk).aggregate(total=Sum("points"))
        total = (others["total"] or 0) + points
        if total != TOTAL_POINTS:
            raise _refused([texts.ERR_TOTAL.format(points=total, total=TOTAL_POINTS)])
        return cleaned


@admin.register(Question)
class QuestionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ("short_text", "kind", "points", "paper", "order")
    list_filter = ("paper", "kind")
    list_select_related = ("paper__course",)
    search_fields = ("text", "paper__course__title")
    inlines = (OptionInline,)
    ordering = ("paper", "order", "id")

    @admin.display(description="题目", ordering="text")
    def short_text(self, obj):
        return str(obj)

    def has_delete_permission(self, request, obj=None):
        # A published paper must keep its 100 points: unpublish it first.
        if obj is not None and obj.paper.is_published:
            return False
        return super().has_delete_permission(request, obj)


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ("position", "question_text", "chosen_letters", "correct_letters", "points")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="题目")
    def question_text(self, obj):
        return obj.snapshot.get("text", "")

    @admin.display(description="所选")
    def chosen_letters(self, obj):
        return obj.snapshot.get("chosen_letters") or "未作答"

    @admin.display(description="正确答案")
    def correct_letters(self, obj):
        return obj.snapshot.get("correct_letters", "")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Read-only: attempts are evidence and change only through the learner's pages."""

    list_display = ("user", "paper", "number", "state", "score", "started_at", "submitted_at")
    list_filter = ("state", "paper")
    list_select_related = ("user", "paper__course")
    search_fields = ("user__phone", "user__name", "paper__course__title")
    inlines = (AnswerInline,)
    fields = (
        "user",
        "paper",
        "number",
        "state",
        "score",
        "started_at",
        "deadline",
        "submitted_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
