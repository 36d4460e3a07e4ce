from django.conf import settings
from django.shortcuts import render


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy header; the pages carry no inline scripts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request body over MAX_REQUEST_BYTES before anything reads it.

    Django streams uploaded files to disk whatever their size and checks them afterwards; without this
    a single huge upload would fill the disk first. A reverse proxy may set a lower limit of its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return render(request, "413.html", {"limit": settings.MAX_REQUEST_BYTES}, status=413)
        return self.get_response(request)
