"""Tiny hand-built datasets for the rules of methodology v2: build_scenario with actors that have roles,
a later agreement, and provisions changed in place (tests/test_rules_v2.py, test_export.py)."""

from __future__ import annotations

from datetime import date

from tracker.models import Actor, Agreement, Assessment, Provision, Signatory, Status, TextSource
from tracker.store import Dataset

from .helpers import build_scenario

D = date.fromisoformat
ROLES = {"east": "party", "west": "party", "north": "party", "media": "observer", "court": "observer"}


def with_actors(ds: Dataset) -> Dataset:
    for ident, role in ROLES.items():
        ds.actors[ident] = Actor(id=ident, name=ident.title(), kind="state", role=role)
    return ds


def scenario(claims=(), **kwargs) -> Dataset:
    """build_scenario (agreement 'a' signed 2020-01-09, in force 2020-01-10, provision 'p'), with actors."""
    return with_actors(build_scenario(claims, **kwargs))


def assessment(when: str, status: str, ident: str = "A1") -> Assessment:
    return Assessment(id=ident, provision="p", date=D(when), status=Status(status), rationale="r", analyst="x")


def add_later_agreement(ds: Dataset, signed: str = "2021-06-01") -> None:
    """Agreement 'b', signed on `signed`, with provision 'b-1'."""
    ds.agreements["b"] = Agreement(
        id="b",
        title="Later",
        short_title="Later",
        date=D(signed),
        signatories=[Signatory(name="X", role="Y", actor="east")],
        sources=[TextSource(id="T", title="Text")],
    )
    ds.provisions["b-1"] = Provision(
        id="b-1",
        point=1,
        title="Later provision",
        text="Do it.",
        translation="T",
        category="other",
        parties=["east"],
        obligation="ongoing",
    )
    ds.provision_agreement["b-1"] = "b"


def replace_provision(ds: Dataset, **changes: object) -> None:
    ds.provisions["p"] = ds.provisions["p"].model_copy(update=changes)
    ds._timelines.clear()
