"""The sign-in backend: Django's ModelBackend, whose signed-in user arrives with its
organisation in the same statement (every signed-in page reads both: the scope, the layout).

Django's own ModelBackend stays listed after it in ``AUTHENTICATION_BACKENDS`` so the sessions
signed in through it before keep working (a session names the backend that signed it in); new
sign-ins are recorded with this one. A wrong password stops here (PermissionDenied, which
``authenticate`` answers as a failed sign-in, signalled to axes as before) rather than falling
through to the old backend to be hashed a second time.
"""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import PermissionDenied


class ModelBackend(backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("organisation").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
