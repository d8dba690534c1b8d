"""Text that people send: refused when it holds control characters (specification §10).

A control character (U+0001, an escape, a form feed...) is never typed on purpose: it comes
from a paste, a broken export or a probe. Stored, it breaks what the portal writes from the
text (XML such as the CAP and Atom feeds may not hold it at all, and PostgreSQL refuses NUL
outright), so it is refused where text comes in, with a message saying what and where:

- every form field and every API field: ``install()``, called once from
  ``CoreConfig.ready()``, makes Django's and DRF's fields refuse such input when they clean
  it (text, choices, slugs of related objects, JSON...). It is done at cleaning time, not
  when a field is built, so it holds for fields created before the app registry was ready
  (the admin's, allauth's) and for every form and serializer written later, without anyone
  having to remember a mixin;
- query strings, paths and cookies: ``civicportal.core.middleware``;
- imported files (census, Pabulib): ``find_control_character`` names the line.

Refused: the C0 controls except tab, line feed and carriage return (text areas send them),
DEL (U+007F), and U+FFFE and U+FFFF, which are not characters and which XML does not allow
either. C1 controls (U+0080 to U+009F) are let through: XML 1.0 allows them, and they turn up
in text that was once decoded with the wrong character set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
CODE = "control_characters"


@dataclass(frozen=True)
class ControlCharacter:
    """Where the first control character of a text is: ``line`` and ``column`` count from 1."""

    character: str
    position: int
    line: int
    column: int

    @property
    def name(self) -> str:
        """The character as people can read it: ``U+0001``."""
        return f"U+{ord(self.character):04X}"


def find_control_character(text: str) -> ControlCharacter | None:
    """The first control character of ``text`` (see the module's docstring), or None."""
    match = CONTROL_CHARACTERS_RE.search(text)
    if match is None:
        return None
    start = match.start()
    line_start = text.rfind("\n", 0, start) + 1
    return ControlCharacter(
        character=match.group(),
        position=start + 1,
        line=text.count("\n", 0, start) + 1,
        column=start - line_start + 1,
    )


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTERS_RE.search(text) is not None


def _first_in(value: Any) -> ControlCharacter | None:
    """The first control character in a string, or in the strings of a list or mapping
    (keys too), however deep: walked without recursion, so nested JSON cannot exhaust the
    stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found = find_control_character(item)
            if found is not None:
                return found
        elif isinstance(item, dict):
            for key, nested in reversed(item.items()):
                pending += [nested, key]
        elif isinstance(item, list | tuple):
            pending.extend(reversed(item))
    return None


CONTROL_CHARACTER_MESSAGE = _(
    "This text contains an invisible control character (%(character)s) at position "
    "%(position)s. Remove it (retyping the text around it is the surest way) and try again."
)


def control_character_line_message(found: ControlCharacter) -> str:
    """What an import says about a file holding a control character: where it is."""
    return gettext(
        "Line %(line)s: an invisible control character (%(character)s) at character "
        "%(column)s. Remove it and import the file again."
    ) % {"line": found.line, "character": found.name, "column": found.column}


def find_control_characters_by_line(text: str) -> list[ControlCharacter]:
    """The first control character of each line of ``text`` that holds one (linear time)."""
    found: list[ControlCharacter] = []
    line, counted_to = 1, 0
    for match in CONTROL_CHARACTERS_RE.finditer(text):
        start = match.start()
        line += text.count("\n", counted_to, start)
        counted_to = start
        if found and found[-1].line == line:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        found.append(
            ControlCharacter(
                character=match.group(),
                position=start + 1,
                line=line,
                column=start - line_start + 1,
            )
        )
    return found


@deconstructible
class ControlCharactersValidator:
    """Refuses text holding a control character; lists and mappings are searched too."""

    message = CONTROL_CHARACTER_MESSAGE
    code = CODE

    def __call__(self, value: Any) -> None:
        found = _first_in(value)
        if found is not None:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"character": found.name, "position": found.position},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharactersValidator)

    def __hash__(self) -> int:
        return hash(ControlCharactersValidator)


reject_control_characters = ControlCharactersValidator()


def install() -> None:
    """Make every form and API field refuse control characters (once per process).

    Wrapped, each checking what it is given before the field parses it:

    - ``forms.Field.clean`` (every form field: text, choices, model choices, dates...) and
      ``forms.ModelMultipleChoiceField.clean``, which does not call it; a disabled field is
      left alone (its value is not the visitor's);
    - DRF's ``Field.run_validation`` (every serializer field but nested serializers, whose
      own fields are checked): text, choices, slugs of related objects, lists, JSON.

    A value that reaches a database lookup (a slug, a choice) is thereby refused before
    PostgreSQL sees the NUL. JSON fields are also checked after parsing, for ``"\u0001"``.
    Django and DRF already refuse NUL in text fields, with a message that does not say
    where; the wrapper answers first, with the message above.
    """
    from django import forms
    from rest_framework import serializers

    if getattr(forms.Field.clean, "_refuses_control_characters", False):
        return

    def form_check(clean):
        @wraps(clean)
        def checked_clean(self, value, *args, **kwargs):
            if not self.disabled:
                reject_control_characters(value)
            return clean(self, value, *args, **kwargs)

        return checked_clean

    form_json_to_python = forms.JSONField.to_python

    @wraps(form_json_to_python)
    def json_to_python(self, value):
        value = form_json_to_python(self, value)
        reject_control_characters(value)
        return value

    api_run_validation = serializers.Field.run_validation

    @wraps(api_run_validation)
    def run_validation(self, data=serializers.empty):
        _api_refuse(data)
        return api_run_validation(self, data)

    api_json_to_internal_value = serializers.JSONField.to_internal_value

    @wraps(api_json_to_internal_value)
    def json_to_internal_value(self, data):
        value = api_json_to_internal_value(self, data)
        _api_refuse(value)
        return value

    replacements = [
        (forms.Field, "clean", form_check(forms.Field.clean)),
        (forms.ModelMultipleChoiceField, "clean", form_check(forms.ModelMultipleChoiceField.clean)),
        (forms.JSONField, "to_python", json_to_python),
        (serializers.Field, "run_validation", run_validation),
        (serializers.JSONField, "to_internal_value", json_to_internal_value),
    ]
    for cls, name, function in replacements:
        function._refuses_control_characters = True
        setattr(cls, name, function)


def _api_refuse(value: Any) -> None:
    """``reject_control_characters`` for DRF, whose fields raise their own ValidationError."""
    from rest_framework import serializers

    found = _first_in(value)
    if found is not None:
        raise serializers.ValidationError(
            CONTROL_CHARACTER_MESSAGE % {"character": found.name, "position": found.position},
            code=CODE,
        )
