"""The password rule (ASVS 5.0 style): long enough, not common or breached, not the user id.

No composition rules. The common/breached list is the 30,000 most frequent leaked
passwords that ship with zxcvbn.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128  # at least 64 must be allowed; passphrases welcome


# zxcvbn's list is English-centric; these bases are common in this department's users' passwords.
LOCAL_COMMON = (
    "india",
    "bharat",
    "jaihind",
    "hindustan",
    "cbic",
    "cbec",
    "customs",
    "excise",
    "gst",
    "cgst",
    "servicetax",
    "incometax",
    "mumbai",
    "delhi",
    "chennai",
    "kolkata",
    "welcome",
    "sairam",
    "omsairam",
    "ganesh",
    "krishna",
    "mpr",
    "admin",
    "commissioner",
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Lower-cased common and breached passwords (30,000 from zxcvbn, plus local bases)."""
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"]) | frozenset(LOCAL_COMMON)


def _squeezed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _core(text: str) -> str:
    """The password without digits and symbols padded at its ends ('Password@12345' -> 'password')."""
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", text.lower())


def _is_common(password: str) -> bool:
    common = common_passwords()
    lowered = password.lower()
    return any(form in common for form in (lowered, _squeezed(password), _core(password)) if form)


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Every reason `password` is refused (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            _("Use at least %(n)s characters (a few words make a good passphrase).", n=MIN_LENGTH)
        )
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)s characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if _is_common(password):
        problems.append(_("This password is known from breaches or is too common; choose another."))
    elif len(set(lowered)) <= 2:
        problems.append(_("This password repeats the same characters; choose another."))
    if username and _squeezed(username) and _squeezed(username) in _squeezed(password):
        problems.append(_("The password must not contain your user id."))
    return problems


def fab_password_validator(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's own forms use the same rule."""
    problems = password_problems(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))
