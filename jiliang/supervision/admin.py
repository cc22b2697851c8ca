"""Campaigns are changed through their services; the admin only reads the records."""

from django.contrib import admin

from jiliang.audit.admin import ReadOnlyAdmin
from jiliang.supervision.models import Campaign, CampaignTask, NetContentRecord


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("year", "title", "kind", "level", "region_code", "status", "published_at")
    list_filter = ("kind", "status", "year")
    search_fields = ("title",)


@admin.register(CampaignTask)
class CampaignTaskAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "region_code", "institution", "target", "due_on")
    search_fields = ("region_code",)


@admin.register(NetContentRecord)
class NetContentRecordAdmin(ReadOnlyAdmin):
    list_display = ("notice_number", "packer_name", "product", "sampled_on", "verdict")
    list_filter = ("verdict",)
    search_fields = ("notice_number", "packer_credit_code", "packer_name")
