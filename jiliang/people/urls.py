from django.urls import path

from jiliang.people import views

app_name = "people"
URL_PREFIX = "people/"

urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("new/", views.person_create, name="person-create"),
    path("import/", views.person_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("<id:pk>/", views.person_detail, name="person-detail"),
    path("<id:pk>/qualifications/", views.qualification_add, name="qualification-add"),
    path("<id:pk>/signatory/", views.signatory_add, name="signatory-add"),
    path("<id:pk>/cpd/", views.cpd_record, name="cpd-record"),
    path("qualifications/<id:pk>/convert/", views.conversion_request, name="conversion-request"),
    path("conversions/<id:pk>/decide/", views.conversion_decide, name="conversion-decide"),
    path("public/registration/", views.public_registration, name="public-registration"),
]
urlpatterns += [
    path("coverage/", views.coverage, name="coverage"),
    path("stations/", views.station_list, name="station-list"),
    path("stations/new/", views.station_create, name="station-create"),
    path("stations/<id:pk>/", views.station_detail, name="station-detail"),
    path("reviews/<id:pk>/rectified/", views.review_rectified, name="review-rectified"),
    path("authorisations/", views.authorisation_list, name="authorisation-list"),
    path("authorisations/<id:pk>/", views.authorisation_detail, name="authorisation-detail"),
    path("public/institutions/", views.public_institutions, name="public-institutions"),
]
