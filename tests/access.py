"""What the access-matrix test needs to know about parameterised endpoints.

Every URL pattern and API operation with parameters needs at least one
sample: a concrete object, where it lives (its division code) and which
organisations own it. Each app provides ``samples(world)`` in
``tests/<app>/access.py``; the matrix test finds them by itself. A new
parameterised endpoint with no sample fails the matrix test.

Markers are texts (names of enterprises, instrument serials...) that must
not appear on any non-public page or API response of a persona outside
their scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.personas import Personas


@dataclass
class Sample:
    name: str  # URL name ("core:organisation-detail") or API operationId
    kwargs: dict
    region_code: str = ""  # the division the object is filed under
    orgs: tuple[int, ...] = ()  # organisations that own the object
    # Who may read it; default: in scope by region_code or by orgs.
    allowed: Callable[[object], bool] | None = None


@dataclass(frozen=True)
class Marker:
    text: str
    region_code: str
    orgs: tuple[int, ...] = ()


@dataclass
class World:
    personas: Personas
    samples: list[Sample] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)

    def sees(self, user, *, region_code: str = "", orgs: tuple[int, ...] = ()) -> bool:
        """The default rule: national sees all; bureaus their region; others their own rows."""
        if not user.is_authenticated:
            return False
        scope = user.scope
        if scope.everything:
            return True
        if scope.region_prefix is not None:
            return bool(region_code) and region_code.startswith(scope.region_prefix)
        return scope.organisation_id in orgs

    def may_read(self, user, sample: Sample) -> bool:
        if sample.allowed is not None:
            return user.is_authenticated and sample.allowed(user)
        return self.sees(user, region_code=sample.region_code, orgs=sample.orgs)
