"""Response headers that Django does not set itself."""


class PermissionsPolicyMiddleware:
    """Turns off browser features the portal never uses."""

    POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages with personal data must not be kept by the browser or a shared proxy.
            response.headers.setdefault("Cache-Control", "no-store, private")
        return response
