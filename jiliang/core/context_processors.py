from django.contrib.auth.models import AnonymousUser

from jiliang.core.navigation import items_for, menus_for


def navigation(request):
    # An error page for a request a middleware refused early (a forged Host) has no user.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "nav_menus": menus_for(user) if user.is_authenticated else [],
        "nav_public": items_for(user, "public"),
        "nav_account": items_for(user, "account"),
    }
