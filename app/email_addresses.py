"""Email addresses that look the same are the same address.

An address is normalised before it is stored or looked up: NFKC (fullwidth `ａda` is `ada`),
the domain through IDNA (UTS 46 mapping; `xn--bcher-kva.example` and `bücher.example` are one
domain, stored in Unicode), everything lower case. Then two kinds of look-alike are refused:

- invisible characters (zero-width space, joiners, bidi marks...), which email-validator
  refuses as unsafe;
- mixed scripts within the local part or within the domain (Cyrillic `а` among Latin
  letters). Python has no Unicode Script property, so a letter's script is read from its
  character name; the combinations UTS 39 calls "highly restrictive" (Latin with Han and
  Japanese kana, Bopomofo or Hangul) are allowed. An address written wholly in one other
  script (all Cyrillic) is allowed: it is a legitimate address, and telling it from a
  Latin look-alike needs UTS 39's confusables data, which we do not ship.

email-validator checks the syntax, without any network access (no deliverability check).
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

# Longer input is refused before the (comparatively costly) normalisation runs.
INPUT_MAX = 1024
# Scripts that may share a part of an address (UTS 39 "highly restrictive").
_HAN_COMBINATIONS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Character-name words that are not scripts: their letters go with any script.
_NOT_A_SCRIPT = {"MODIFIER", "KATAKANA-HIRAGANA", "IDEOGRAPHIC"}


class InvalidEmail(ValueError):
    """The address cannot be used; the message says what to fix (safe to show the client)."""


def normalise_email(text: str, *, refuse_mixed_scripts: bool = True) -> str:
    """The canonical form of `text`: NFKC, IDNA-mapped domain in Unicode, lower case.

    `refuse_mixed_scripts=False` only normalises (login: an address stored before these
    rules still finds its account, and an unknown one simply does not match).
    Raises InvalidEmail: not an address, invisible characters, or mixed scripts.
    """
    if len(text) > INPUT_MAX:
        raise InvalidEmail("Not a valid email address.")
    text = unicodedata.normalize("NFKC", text).strip()
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(f"Not a valid email address: {error}") from None
    local, domain = valid.local_part.lower(), valid.domain.lower()
    if refuse_mixed_scripts:
        for part, where in ((local, "before"), (domain, "after")):
            if not _single_script(part):
                raise InvalidEmail(
                    f"The part {where} the @ mixes letters of different scripts "
                    "(e.g. a Cyrillic letter among Latin ones); type it in one script."
                )
    return unicodedata.normalize("NFKC", f"{local}@{domain}")


def _single_script(text: str) -> bool:
    scripts = {script for script in map(_script, text) if script is not None}
    if len(scripts) <= 1:
        return True
    return any(scripts <= allowed for allowed in _HAN_COMBINATIONS)


def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name; None for digits, punctuation, marks."""
    if not unicodedata.category(char).startswith("L"):
        return None
    word = unicodedata.name(char, "").split(" ", 1)[0]
    if word in _NOT_A_SCRIPT or not word:
        return None
    return "HAN" if word == "CJK" else word
