from django.urls import path

from jiliang.monitoring import views

app_name = "monitoring"
URL_PREFIX = "monitoring/"

urlpatterns = [
    path("", views.alert_list, name="alert-list"),
    path("alerts/<id:pk>/", views.alert_detail, name="alert-detail"),
    path("gateways/", views.gateway_list, name="gateway-list"),
    path("gateways/new/", views.gateway_create, name="gateway-create"),
    path("gateways/<id:pk>/", views.gateway_detail, name="gateway-detail"),
    path("gateways/<id:pk>/key/", views.gateway_key, name="gateway-key"),
]
