from django.urls import path

from jiliang.enforcement import views

app_name = "enforcement"
URL_PREFIX = "enforcement/"

urlpatterns = [
    # The bureau's cases (scoped: the handling bureau and those above it).
    path("cases/", views.case_list, name="case-list"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<id:pk>/", views.case_detail, name="case-detail"),
    path("cases/<id:pk>/act/<slug:action>/", views.case_act, name="case-act"),
    path("cases/<id:pk>/notice.pdf", views.case_notice, name="case-notice"),
    path("cases/<id:pk>/decision.pdf", views.case_decision, name="case-decision"),
    # Published penalty decisions (public).
    path("decisions/", views.public_list, name="public-list"),
    path("decisions/<id:pk>/", views.public_detail, name="public-detail"),
    path("decisions/<id:pk>/decision.pdf", views.public_decision, name="public-decision"),
]
