from audit.auth.views import auth

__all__ = ["auth"]
