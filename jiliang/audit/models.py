"""The audit ledger: who did what, when, with the values before and after."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.audit.chain import Chained, ChainHead
from jiliang.audit.labels import object_name, summary

__all__ = ["ChainHead", "Checkpoint", "LedgerEntry"]


class LedgerEntry(Chained):
    """One write, recorded in the same transaction as the write itself.

    Append-only (a PostgreSQL trigger refuses UPDATE and DELETE) and chained
    per province, so writers of different provinces never wait on each other.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    # Plain columns, not foreign keys: deleting a user must never rewrite the ledger.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    region_code = models.CharField(_("division code"), max_length=6, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    CHAIN_FIELDS = (
        "at", "actor_id", "actor_name", "organisation_id", "action", "object_type",
        "object_id", "region_code", "before", "after",
    )

    class Meta(Chained.Meta):
        ordering = ["-at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"

    @property
    def summary(self) -> str:
        """What was done, in words (the action code stays in ``action``)."""
        return summary(self.action, self.object_type)

    @property
    def object_label(self) -> str:
        """The object in words: "Campaign 7", not ``supervision.campaign#7``."""
        name = object_name(self.object_type)
        return f"{name} {self.object_id}".strip() if self.object_id else name

    def chain_key_value(self) -> str:
        return self.region_code[:2] if self.region_code else "00"


class Checkpoint(models.Model):
    """The heads of every chain on a day, signed with the checkpoint key (kept outside the
    database: ``JILIANG_CHECKPOINT_KEY_FILE``) and published (``/checkpoints/``). A chain
    recomputed after its checkpoint no longer has the signed hash at the signed link
    (``verify_ledger --checkpoints``; ``jiliang.rules.checkpoints``)."""

    day = models.DateField(_("day"), unique=True)
    heads = models.JSONField(_("chain heads"))  # [[chain, key, seq, hash], ...] sorted
    public_key = models.CharField(_("public key"), max_length=64)
    signature = models.CharField(_("signature"), max_length=128)
    signed_at = models.DateTimeField(_("signed"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.day}"

    def as_dict(self) -> dict:
        return {"day": self.day.isoformat(), "heads": self.heads, "public_key": self.public_key,
                "signature": self.signature, "signed_at": self.signed_at.isoformat()}
