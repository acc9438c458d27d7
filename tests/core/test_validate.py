"""What users type: country codes and the characters business text refuses (validate.py)."""

import sys
import unicodedata

import pytest

from dunner.core import validate
from dunner.core.errors import BadInput

SPOOFING = [
    "\u202a",  # left-to-right embedding
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",  # left-to-right mark
    "\u200f",
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte-order mark inside text
    "\u00ad",  # soft hyphen
    "\U000e0041",  # tag letter A
]


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


@pytest.mark.parametrize("char", SPOOFING)
def test_format_characters_are_refused_in_lines_and_blocks(char):
    with pytest.raises(BadInput, match=rf"name contains the invisible character U\+{ord(char):04X}"):
        validate.line(f"ACME{char}SARL", "name")
    with pytest.raises(BadInput, match=rf"address contains the invisible character U\+{ord(char):04X}"):
        validate.block(f"5 rue X\n75011{char} Paris", "address")


def test_every_control_format_and_separator_character_is_refused():
    """The literal list in validate.py covers every such character of Python's Unicode database."""
    categories = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in categories and not validate.UNSAFE.fullmatch(chr(code))
    ]
    assert missed == []


def test_plain_text_of_every_script_is_kept():
    for text in ["Société Générale", "Müller & Söhne GmbH", "Łódź", "Ελληνικά", "日本語", "مرحبا", "café ☕"]:
        assert validate.line(text, "name") == text
    assert validate.block("5 rue X\n75011 Paris", "address") == "5 rue X\n75011 Paris"
    for char in ["\x85", "\u2028", "\u2029", "\x1b"]:  # line breaks and escapes beyond ASCII's
        with pytest.raises(BadInput, match="must fit on one line"):
            validate.line(f"a{char}b", "name")
    with pytest.raises(BadInput, match="not valid text"):
        validate.line("a\udcffb", "name")  # a byte that was not UTF-8 on the command line
