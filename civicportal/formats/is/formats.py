# Icelandic: "7. desember 2026 kl. 14:05", the 24-hour clock. Django gives Icelandic no
# date-and-time format, so without one here times fell back to a 12-hour clock.
DATE_FORMAT = "j. F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"j. F Y \k\l. H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. F"
SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y H:i"
