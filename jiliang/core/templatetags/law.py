"""``{{ "Arts. 38, 44"|article }}``: articles of a law as the reader's language cites them
(第三十八条、第四十四条 in Chinese, "Arts. 38, 44" in English)."""

import re

from django import template
from django.utils.translation import get_language

register = template.Library()

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–999 in Chinese numerals as articles are numbered (十, 十五, 二十, 一百零三)."""
    if not 0 < n < 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = f"{DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += DIGITS[ones]
    return out


@register.filter
def article(value: str) -> str:
    text = str(value or "").strip()
    numbers = re.fullmatch(r"Arts?\.\s*([\d,\s]+)", text)
    if not numbers or not (get_language() or "").startswith("zh"):
        return text
    return "、".join(f"第{chinese_number(int(n))}条" for n in re.findall(r"\d+", numbers[1]))
