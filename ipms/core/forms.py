from django import forms


class BootstrapFormMixin:
    """Adds Bootstrap classes and ARIA error wiring to every widget.

    Fields with errors get ``is-invalid`` and ``aria-invalid``, and point
    ``aria-describedby`` at their message, so screen readers announce the error
    next to the field the user must correct.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
