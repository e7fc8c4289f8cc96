from django.conf import settings


def platform(request):
    """Values every page layout needs."""
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "COMPLAINT_EMAIL": settings.COMPLAINT_EMAIL,
    }
