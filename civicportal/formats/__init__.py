"""The portal's date and time formats per language (settings.FORMAT_MODULE_PATH).

Django's own formats end English times in "a.m."/"p.m." and abbreviate months with a full
stop ("Dec."), so a date that ends a sentence ended it twice ("until 12:16 a.m.."); and
they give Icelandic no date-and-time format, which fell back to a 12-hour clock. Here no
date or time ends in a full stop, and both languages use the 24-hour clock that Iceland
uses. Anything not set here comes from Django's formats for the language.
"""
