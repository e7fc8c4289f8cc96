from django import template

register = template.Library()


@register.filter
def duration_cn(seconds) -> str:
    """Seconds as Chinese text: 45秒, 8分05秒, 1小时02分."""
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return ""
    if total <= 0:
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes:02d}分"
    if minutes:
        return f"{minutes}分{secs:02d}秒"
    return f"{secs}秒"


@register.filter
def duration_iso(seconds) -> str:
    """Seconds as an ISO 8601 duration for <time datetime>: PT8M5S."""
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(total, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S"
