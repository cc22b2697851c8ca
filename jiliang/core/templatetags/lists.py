"""``{% sort_th sort "owner" _("Owner") %}``: a column heading that sorts its list."""

from django import template

register = template.Library()


@register.inclusion_tag("lists/sort_th.html")
def sort_th(sort, key: str, label: str, numeric: bool = False) -> dict:
    current = sort is not None and sort.key == key
    return {
        "label": label, "numeric": numeric, "current": current,
        "descending": current and sort.descending,
        "href": sort.links.get(key, "") if sort is not None else "",
    }
