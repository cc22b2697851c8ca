from django.urls import path

from jiliang.core import views

app_name = "core"
URL_PREFIX = ""

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<id:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<id:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<id:pk>/users/new/", views.user_create, name="user-create"),
    path("organisations/<id:pk>/invitations/new/", views.invitation_create,
         name="invitation-create"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation-accept"),
    path("users/<id:pk>/role/", views.member_role, name="member-role"),
    path("users/<id:pk>/suspend/", views.member_suspend, name="member-suspend"),
    path("users/<id:pk>/reinstate/", views.member_reinstate, name="member-reinstate"),
    path("users/<id:pk>/revoke/", views.member_revoke, name="member-revoke"),
    path("regions/", views.region_list, name="region-list"),
    path("ledger/", views.ledger, name="ledger"),
    path("regions/pick/", views.region_pick, name="region-pick"),
    path("organisations/pick/", views.organisation_pick, name="organisation-pick"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("login/verify/", views.second_factor_verify, name="second-factor-verify"),
    path("account/second-factor/", views.second_factor, name="second-factor"),
    path("account/second-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("account/second-factor/off/", views.second_factor_off, name="second-factor-off"),
    path("account/tokens/<id:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
