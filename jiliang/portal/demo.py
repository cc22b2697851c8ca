"""Demo news and notices: the national administration's and two provinces', one featured
across provinces, one corrected, one draft awaiting the head's approval. Idempotent."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from jiliang.core.models import User
from jiliang.portal import metrology_day, services
from jiliang.portal.complaints import complaint_submit, complaint_take
from jiliang.portal.models import NewsItem

ITEMS = [
    # (author, approver, kind, title, body, days ago)
    ("admin", None, "notice", "关于组织开展“5·20世界计量日”宣传活动的通知",
     "各省、自治区、直辖市市场监督管理局：\n每年5月20日为世界计量日。请各地结合本地实际，"
     "组织开展计量宣传进社区、进市场、进企业活动，并将活动安排在计量管理系统“世界计量日”栏目中填报。", 12),
    ("admin", None, "policy", "实施强制管理的计量器具目录（2020年）说明",
     "《实施强制管理的计量器具目录》（2020年）明确了实施型式批准和强制检定的计量器具。"
     "公众可在本网站“计量器具目录”栏目查询各类计量器具的管理方式。", 30),
    ("gd_clerk", "gd_head", "news", "广东省开展集贸市场计量器具专项监督检查",
     "近日，广东省市场监督管理局组织各地市对集贸市场在用电子计价秤开展专项监督检查，"
     "重点检查计量器具是否经检定合格、是否在有效期内。", 5),
    ("gd_clerk", "gd_head", "event", "广州市计量开放日活动",
     "5月20日，广州市计量检定机构向公众开放实验室，市民可携带家用血压计免费检测。", 2),
    ("bj_clerk", None, "news", "北京市推进民用“三表”首次检定数据上链",
     "北京市市场监督管理局推进水表、电能表、燃气表首次强制检定记录在计量管理系统中登记，"
     "公众可扫描表具标签上的二维码查验。", 8),
]


def load(stdout) -> None:
    if NewsItem.objects.exists():
        stdout.write("portal: demo news already loaded")
        return
    users = {u.username: u for u in User.objects.filter(
        username__in=("admin", "gd_clerk", "gd_head", "bj_clerk"))}
    if len(users) < 4:
        stdout.write("portal: the demo people are missing; load core first")
        return
    now = timezone.now()
    with transaction.atomic():
        made = {}
        for author, approver, kind, title, body, ago in ITEMS:
            item = services.news_create(actor=users[author], kind=kind, title_zh=title,
                                        body_zh=body)
            services.news_act(actor=users[author], item=item, action="submit")
            item = services.news_act(actor=users.get(approver) if approver else None, item=item,
                                     action="approve", publish_at=now)
            # The demo's history: items published on the days they are dated.
            NewsItem.objects.filter(pk=item.pk).update(
                publish_at=now - datetime.timedelta(days=ago))
            made[title] = item
        beijing = next(v for k, v in made.items() if k.startswith("北京市"))
        services.news_feature(actor=users["gd_clerk"], item=beijing)
        event = next(v for k, v in made.items() if k.startswith("广州市"))
        event.refresh_from_db()
        correction = services.news_create(
            actor=users["gd_clerk"], corrects=event, kind="event",
            title_zh="更正：广州市计量开放日活动",
            body_zh="5月20日，广州市计量检定机构向公众开放实验室，市民可携带家用血压计免费检测。"
                    "活动时间更正为上午9时至下午4时。")
        services.news_act(actor=users["gd_clerk"], item=correction, action="submit")
        services.news_act(actor=users["gd_head"], item=correction, action="approve",
                          publish_at=now)
        services.news_create(actor=users["gd_clerk"], kind="notice",
                             title_zh="关于公布2026年第二批计量授权机构名单的公告",
                             body_zh="草稿：待负责人审核。")

        today = timezone.localdate()
        complaint_submit(source="demo", category="short_weight", region_code="440106",
                         description="在农贸市场买了两斤猪肉，回家用秤称只有一斤七两。",
                         address="广州市天河区某农贸市场", occurred_on=today,
                         subject="电子计价秤", contact_phone="13800000000")
        taken, _code = complaint_submit(
            source="demo", category="not_verified", region_code="110108",
            description="加油站的加油机没有贴检定合格标志。", address="北京市海淀区某加油站",
            occurred_on=today)
        head = users["bj_clerk"]
        if taken.handling_org_id == head.organisation_id:
            complaint_take(actor=head, complaint=taken)

        day = metrology_day.day_set(actor=None, year=today.year, theme_zh="计量让生活更美好",
                                    summary="各地计量行政部门和计量技术机构在5月20日前后开放实验室、"
                                            "走进市场和社区，宣传计量知识。")
        may20 = datetime.date(today.year, 5, 20)
        for user, region, title, place in (
                ("gd_clerk", "440000", "计量开放日：走进广东省计量科学研究院", "广州市天河区"),
                ("gd_clerk", "440300", "集贸市场公平秤免费校准", "深圳市某农贸市场"),
                ("bj_clerk", "110108", "计量知识进社区", "北京市海淀区某社区服务中心")):
            event = metrology_day.event_add(actor=users[user], day=day, region_code=region,
                                            title=title, on=may20, place=place)
            metrology_day.event_act(actor=users.get("gd_head") if region.startswith("44")
                                    else users.get("admin"), event=event, action="approve")
    stdout.write(f"portal: {NewsItem.objects.count()} news items and notices, 2 complaints, "
                 f"World Metrology Day {today.year} with 3 events")
