"""Links in messages: pages of the site, and the signed survey link that opens the rating
form without signing in (itsdangerous, keyed by the settings' secret key)."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from claimdesk.config import Settings
from claimdesk.core.errors import NotFound

SURVEY_SALT = "claimdesk.survey-link"
SURVEY_LINK_MAX_AGE = 180 * 24 * 3600  # the survey's own expiry is the rule; this caps a leak


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=SURVEY_SALT)


def page(settings: Settings, path: str) -> str:
    return settings.public_url.rstrip("/") + path


def survey_url(settings: Settings, survey_id: int) -> str:
    return page(settings, f"/survey/{_serializer(settings).dumps(survey_id)}")


def survey_of_token(settings: Settings, token: str) -> int:
    """The survey a link is for; a forged, altered or very old link is a 404."""
    try:
        survey_id = _serializer(settings).loads(token, max_age=SURVEY_LINK_MAX_AGE)
    except (SignatureExpired, BadSignature) as exc:
        raise NotFound("This survey link is not valid (it may be incomplete or too old).") from exc
    if not isinstance(survey_id, int):
        raise NotFound("This survey link is not valid.")
    return survey_id
