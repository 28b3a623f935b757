"""The public pages (no sign-in, phone first): what the 智慧电梯码 in the car opens, and what follows from it.

Only what 第十条 makes public is shown: codes, the address, the units serving the car, the last confirmed
maintenance, the inspection date and the rescue hotline; never a person's name or phone. Forms go
through the JSON API's services and schemas; whatever goes wrong is told in a Chinese sentence, on the
form, with what was typed kept.
"""

from fastapi import APIRouter

from api.pages import public_qr, public_tracking
from elevator_orders.kind_lookup import kind_modules


def public_router() -> APIRouter:
    """The kinds' own public pages (`api/pages/public_<kind>.py`, where the public files the kind), then
    following a filing and the printable QR sign.
    """
    router = APIRouter(include_in_schema=False)
    for _, module in kind_modules("api.pages.public_{kind}", every_kind=False):
        router.include_router(module.router)
    for feature in (public_tracking, public_qr):
        router.include_router(feature.router)
    return router
