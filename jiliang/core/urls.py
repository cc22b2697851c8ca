from django.urls import path

from jiliang.core import views

app_name = "core"
URL_PREFIX = ""

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/users/new/", views.user_create, name="user-create"),
    path("regions/", views.region_list, name="region-list"),
    path("ledger/", views.ledger, name="ledger"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
