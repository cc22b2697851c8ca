from django.urls import path

from jiliang.audit import views

app_name = "audit"
URL_PREFIX = "checkpoints/"

urlpatterns = [
    path("", views.checkpoint_list, name="checkpoint-list"),
    path("checkpoints.json", views.checkpoint_json, name="checkpoint-json"),
]
