"""The public pages (no sign-in, phone first): what the 智慧电梯码 in the car opens, and what follows from it.

Only what 第十条 makes public is shown: codes, the address, the units serving the car, the last confirmed
maintenance, the inspection date and the rescue hotline; never a person's name or phone. Forms go
through the JSON API's services and schemas; whatever goes wrong is told in a Chinese sentence, on the
form, with what was typed kept.
"""

from fastapi import APIRouter

from api.pages import public_complaint, public_feedback, public_qr, public_rescue, public_tracking

router = APIRouter(include_in_schema=False)
for _feature in (public_rescue, public_complaint, public_feedback, public_tracking, public_qr):
    router.include_router(_feature.router)
