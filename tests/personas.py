"""The standing personas every test can use: the demo people, built through the real services.

    admin        national administrator (sees everything)
    gd_clerk     Guangdong provincial bureau clerk (440000 -> prefix 44)
    gd_head      Guangdong provincial bureau head (decides)
    gz_clerk     Guangzhou city bureau clerk (440100 -> prefix 4401)
    bj_clerk     Beijing bureau clerk (110000 -> prefix 11)
    gd_verifier  verifier of a Guangdong legal verification institution
    acme         user of an enterprise in Guangzhou (440106)
    anonymous    a member of the public
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from jiliang.core.demo import load_people
from jiliang.core.models import Organisation, User

NAMES = ("admin", "gd_clerk", "gd_head", "gz_clerk", "bj_clerk", "gd_verifier", "acme")


@dataclass
class Personas:
    admin: User
    gd_clerk: User
    gd_head: User
    gz_clerk: User
    bj_clerk: User
    gd_verifier: User
    acme: User
    orgs: dict[str, Organisation]
    anonymous: AnonymousUser = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.anonymous = AnonymousUser()

    def all(self) -> dict[str, User | AnonymousUser]:
        return {name: getattr(self, name) for name in (*NAMES, "anonymous")}


def build_personas() -> Personas:
    orgs = load_people()
    users = {u.username: u for u in User.objects.filter(username__in=NAMES)
             .select_related("organisation")}
    return Personas(**{name: users[name] for name in NAMES}, orgs=orgs)
