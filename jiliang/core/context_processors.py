from jiliang.core.navigation import items_for, menus_for


def navigation(request):
    user = request.user
    return {
        "nav_menus": menus_for(user) if user.is_authenticated else [],
        "nav_public": items_for(user, "public"),
        "nav_account": items_for(user, "account"),
    }
