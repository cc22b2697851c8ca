"""Demo cases: one open case on a failed net-content lot of the current Guangdong campaign
(awaiting the party's statement), and a decided and published one on a repeat failure of the
tracked campaign. Idempotent."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from jiliang.core.hooks import optional
from jiliang.core.models import User
from jiliang.enforcement import services
from jiliang.enforcement.models import Case


def load(stdout) -> None:
    if Case.objects.exists():
        stdout.write("enforcement: demo cases already on file")
        return
    supervision = optional("supervision", "models")
    if supervision is None:
        stdout.write("enforcement: no supervision app to open demo cases on; skipped")
        return
    users = {u.username: u for u in User.objects.filter(username__in=("gd_clerk", "gd_head"))}
    failed = (supervision.NetContentRecord.objects.filter(verdict="fail", region_code__startswith="44")
              .order_by("-sampled_on", "-pk"))
    if len(users) < 2 or failed.count() < 2:
        stdout.write("enforcement: no failed Guangdong lots to open cases on; skipped")
        return
    today = timezone.localdate()
    with transaction.atomic():
        recent, older = failed[0], failed.order_by("sampled_on", "pk")[0]
        opened = max(recent.sampled_on, today - datetime.timedelta(days=10))
        case = services.open_case(users["gd_clerk"], finding=recent, on=min(opened, today),
                                  facts="抽样检验净含量不合格，现场检查笔录、抽样单在卷。")
        services.case_act(actor=users["gd_clerk"], case=case, action="record_evidence",
                          payload={"note": "调取该批次生产记录与出厂检验记录"})
        past = services.open_case(users["gd_clerk"], finding=older,
                                  on=older.sampled_on + datetime.timedelta(days=3))
        notice_on = past.opened_on + datetime.timedelta(days=20)
        past = services.case_act(actor=users["gd_clerk"], case=past, action="notify", payload={
            "proposed_fine": "8000", "proposed_measures": "责令改正，罚款",
            "facts": f"{older.packer_name}生产的{older.product}（标注净含量{older.nominal.normalize():f}"
                     f"{older.unit}）经抽样检验净含量不合格。"}, on=notice_on)
        past = services.case_act(actor=users["gd_clerk"], case=past, action="record_statement",
                                 payload={"statement": "当事人对检验结果无异议，已召回该批次产品。"},
                                 on=notice_on + datetime.timedelta(days=3))
        past = services.case_act(actor=users["gd_head"], case=past, action="decide", payload={
            "fine": "8000", "decision_text": "责令改正，并处罚款人民币8000元。"},
            on=notice_on + datetime.timedelta(days=10))
        past = services.case_act(actor=users["gd_clerk"], case=past, action="publish")
        services.case_act(actor=users["gd_clerk"], case=past, action="execute", payload={
            "execution_kind": "both", "executed_on": past.decided_on + datetime.timedelta(days=7),
            "amount_paid": "8000"}, on=past.decided_on + datetime.timedelta(days=7))
    stdout.write(f"enforcement: 2 cases ({case.number} open, {past.number} decided and "
                 "published)")
