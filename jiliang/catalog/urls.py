from django.urls import path

from jiliang.catalog import views

app_name = "catalog"
URL_PREFIX = "catalogue/"

urlpatterns = [
    path("", views.kind_list, name="kind-list"),
    path("kinds/<slug:code>/", views.kind_detail, name="kind-detail"),
    path("versions/<str:code>/", views.version_detail, name="version-detail"),
    path("versions/<str:code>/impact/", views.version_impact, name="version-impact"),
    path("province-periods/", views.province_periods, name="province-periods"),
    path("type-approval-flags/", views.type_approval_flags, name="type-approval-flags"),
]
