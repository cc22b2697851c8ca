"""The one scoping mechanism every selector uses.

A national user sees everything; a bureau user sees the rows whose division
code starts with its region prefix (440000 -> "44", 440100 -> "4401"); an
institution or an enterprise sees its own rows; the public sees no scoped
rows at all (public pages read through their own selectors, which publish
chosen fields only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from jiliang.rules.identifiers import region_prefix


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_prefix: str | None = None
    organisation_id: int | None = None

    NOTHING: Scope = None  # type: ignore[assignment]  # set below

    @classmethod
    def for_user(cls, user) -> Scope:
        from jiliang.core.models import Role

        if user is None or not user.is_authenticated or not user.is_active:
            return cls.NOTHING
        if not user.role:  # a revoked role leaves the account nothing to see
            return cls.NOTHING
        if user.role == Role.NATIONAL_ADMIN:
            return cls(everything=True)
        org = user.organisation
        if org is None:
            return cls.NOTHING
        if user.is_bureau:
            if org.kind == "national":
                return cls(everything=True)
            return cls(region_prefix=region_prefix(org.region_code))
        return cls(organisation_id=org.pk)

    @property
    def is_nothing(self) -> bool:
        return not self.everything and self.region_prefix is None and self.organisation_id is None

    def covers_region(self, code: str) -> bool:
        """True when a bureau scope's region contains the division ``code``."""
        if self.everything:
            return True
        return self.region_prefix is not None and code.startswith(self.region_prefix)

    def filter(
        self,
        qs: QuerySet,
        *,
        region: str | None = "region_code",
        orgs: Sequence[str] = (),
    ) -> QuerySet:
        """Narrow ``qs`` to this scope.

        ``region`` names the row's division-code column (or None where the rows
        have none); ``orgs`` names the foreign keys to Organisation through which
        an institution or enterprise owns a row (its own rows are those where any
        of them points at it). A model with a ``province_code`` column is also
        narrowed by it, as an equality an index can order by.
        """
        if self.everything:
            return qs
        if self.region_prefix is not None and region is not None:
            if _has_field(qs.model, "province_code") and region == "region_code":
                qs = qs.filter(province_code=self.region_prefix[:2])
                if len(self.region_prefix) == 2:
                    # A province's bureau: the equality says it all (province_code is the
                    # row's region_code[:2]), and a count or a page reads the index alone,
                    # never the rows (bench/README.md, "Page sweep").
                    return qs
            return qs.filter(**{f"{region}__startswith": self.region_prefix})
        if self.organisation_id is not None and orgs:
            q = Q()
            for path in orgs:
                q |= Q(**{path: self.organisation_id})
            return qs.filter(q)
        return qs.none()

    def region_q(self, region: str = "region_code") -> Q:
        """A Q object for bureau scopes; matches nothing for others but the national one."""
        if self.everything:
            return Q()
        if self.region_prefix is not None:
            return Q(**{f"{region}__startswith": self.region_prefix})
        return Q(pk__in=[])


Scope.NOTHING = Scope()


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True
