"""Text checks of the alerts app: what an alert or a report may contain, and what XML may.

``reject_control_characters`` refuses the C0 control characters (U+0000 to U+001F) other
than tab, line feed and carriage return. They are invisible, XML 1.0 cannot carry them
(a CAP document or an Atom feed holding one is not well-formed), and SMS gateways and
mail clients treat them unpredictably. It is a plain Django validator: forms and DRF
serializers take it in ``validators=[...]``, services call it on what they are given.

``xml_text`` is the other side: whatever is stored (written before this check existed,
or straight into the database), the XML outputs drop the characters XML 1.0 cannot carry
instead of failing.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Everything outside XML 1.0's Char production: C0 controls but tab, LF and CR, the
# surrogates, and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def reject_control_characters(value: object) -> None:
    """Refuse a string (or a list of strings) that holds a C0 control character other than
    tab, newline or carriage return, naming the character and where it is."""
    if isinstance(value, (list, tuple)):
        for item in value:
            reject_control_characters(item)
        return
    if not isinstance(value, str):
        return
    match = CONTROL_CHARACTERS.search(value)
    if match is None:
        return
    raise ValidationError(
        _(
            "Remove the invisible control character %(character)s (character %(position)s "
            "of the text): it cannot be published."
        ),
        code="control_character",
        params={"character": f"U+{ord(match.group()):04X}", "position": match.start() + 1},
    )


def xml_text(value: object) -> str:
    """``value`` as text that XML 1.0 can carry (characters it cannot are dropped)."""
    return _NOT_XML.sub("", str(value))
