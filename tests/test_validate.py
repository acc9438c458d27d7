"""What users type: country codes (validate.py)."""

import pytest

from dunner import validate
from dunner.errors import BadInput


def test_the_country_list_is_iso_3166_alpha_2():
    """The frozen list is babel's territories less what ISO 3166-1 does not assign."""
    import babel

    territories = {k for k in babel.Locale("en").territories if len(k) == 2 and k.isalpha()}
    not_iso = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
    assert territories - not_iso == validate.COUNTRIES
    assert len(validate.COUNTRIES) == 249


@pytest.mark.parametrize("code", ["FR", "BE", "GB", "DE", "CH", "US", "gb", " fr "])
def test_countries_accepted(code):
    assert validate.country(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["XX", "ZZ", "EU", "UK", "XK", "QO", "F", "FRA", "", "F1"])
def test_countries_refused(code):
    with pytest.raises(BadInput, match="is not an ISO 3166 country code"):
        validate.country(code)


def test_uk_is_told_gb():
    with pytest.raises(BadInput) as refused:
        validate.country("UK")
    assert refused.value.hint == "the United Kingdom is GB"
