"""English dates as the clinic's English reads: British (day first, 24-hour clock), as the catalogue is spelt.

Django's own "en" formats are American ("12/06/2026 10:32 p.m."), which sat next to British spelling; a clinic
under the US jurisdiction keeps them (invoices.templatetags.money picks en_US for Babel there too).
"""

from django.conf import settings

if settings.BILLING_JURISDICTION == "US":
    DATE_FORMAT = "F j, Y"
    DATETIME_FORMAT = "F j, Y, P"
    SHORT_DATE_FORMAT = "m/d/Y"
    SHORT_DATETIME_FORMAT = "m/d/Y P"
    TIME_FORMAT = "P"
    MONTH_DAY_FORMAT = "F j"
else:
    DATE_FORMAT = "j F Y"
    DATETIME_FORMAT = "j F Y, H:i"
    SHORT_DATE_FORMAT = "d/m/Y"
    SHORT_DATETIME_FORMAT = "d/m/Y H:i"
    TIME_FORMAT = "H:i"
    MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 0 if settings.BILLING_JURISDICTION == "US" else 1
