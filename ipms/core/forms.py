import re

from django import forms

# The platform's wording of a missing value: 请填写姓名。 / 请选择职位。 (see required_message).
REQUIRED_WORDING = re.compile(r"^请(填写|选择)[^，。；]+。$")
GENERIC_REQUIRED = "请填写此项。"
# How a label reads inside a sentence, where the label alone is too short.
_REQUIRED_NAMES = {"手机": "手机号"}
# Labels that are an action already: 请设置登录密码。, 请确认新密码。, 请选择文件。
_ACTION_LABELS = ("设置", "确认", "选择", "上传")
_CHOICE_WIDGETS = (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.FileInput)


def required_message(field: forms.Field) -> str:
    """The one wording of an empty required field, from its label: 请填写姓名。, 请选择职位。

    Check boxes (请阅读并勾选同意《用户协议》。) and fields that ask for an action rather
    than a value (the slider) keep their own message: set ``keep_required_message``.
    """
    label = str(field.label or "").strip().rstrip(":：*")
    if not label:
        return GENERIC_REQUIRED
    label = _REQUIRED_NAMES.get(label, label)
    if label.startswith(_ACTION_LABELS):
        return f"请{label}。"
    verb = "请选择" if isinstance(field.widget, _CHOICE_WIDGETS) else "请填写"
    return f"{verb}{label}。"


def apply_required_messages(fields) -> None:
    """Give every field without the platform's wording the label-derived one.

    A field's own message in that wording stays (it may name the value better than the
    label, e.g. 请填写反馈内容。); Django's default and other wordings are replaced.
    """
    for field in fields.values():
        if isinstance(field.widget, forms.CheckboxInput) or getattr(
            field, "keep_required_message", False
        ):
            continue
        own = str(field.error_messages.get("required", ""))
        if own == GENERIC_REQUIRED or not REQUIRED_WORDING.match(own):
            field.error_messages["required"] = required_message(field)


class BootstrapFormMixin:
    """Adds Bootstrap classes and ARIA error wiring to every widget, and gives every
    required field the one wording of ``required_message``.

    Fields with errors get ``is-invalid`` and ``aria-invalid``, and point
    ``aria-describedby`` at their message, so screen readers announce the error
    next to the field the user must correct.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_required_messages(self.fields)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{existing} {css}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_help"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                # Announce the error first, then the help text if the field has one.
                described = [f"id_{self.add_prefix(name)}_error"]
                if self.fields[name].help_text:
                    described.append(f"id_{self.add_prefix(name)}_help")
                attrs["aria-describedby"] = " ".join(described)
