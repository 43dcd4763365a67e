"""Field validators for identifiers that have a published format."""

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

wikidata_id = RegexValidator(r"^Q[1-9][0-9]*\Z", "Enter a Wikidata item id such as Q35525.")
country_code = RegexValidator(r"^[A-Z]{2}\Z", "Enter an ISO 3166-1 alpha-2 country code in capitals, such as KR.")
# BCP 47 language tags as newsrooms use them: a primary language subtag and
# optional script, region or variant subtags ("en", "ko", "zh-Hant", "pt-BR").
language_tag = RegexValidator(
    r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*\Z", "Enter a BCP 47 language tag such as en, ko or pt-BR."
)
hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", "Enter a colour as #rrggbb.")


def time_zone(value: str) -> None:
    """An IANA time zone name known to this system ("Asia/Seoul", "America/New_York")."""
    if value and value not in _time_zones():
        raise ValidationError(f"“{value}” is not a time zone name; use one such as Asia/Seoul or America/New_York.")


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
