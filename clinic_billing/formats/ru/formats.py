"""Russian dates without the trailing "г.": a sentence that ends on a date otherwise ends "г.." (issue 15)."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
TIME_FORMAT = "H:i"
