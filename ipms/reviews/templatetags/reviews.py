from django import template

register = template.Library()


@register.simple_tag
def answer_of(answers, question) -> str:
    """The value posted for ``question`` (kept when the form is shown again)."""
    return (answers or {}).get(f"q{question.pk}", "")
