from jiliang.core.navigation import items_for


def navigation(request):
    user = request.user
    return {
        "nav_main": items_for(user, "main"),
        "nav_public": items_for(user, "public"),
        "nav_account": items_for(user, "account"),
    }
