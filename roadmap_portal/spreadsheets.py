"""Text that people typed, written into a spreadsheet, must stay text (CSV/Excel injection).

A cell that starts with = + - @, a tab or a carriage return may be read by Excel or LibreOffice as a formula
(=HYPERLINK(...) that sends the row elsewhere, =cmd|...). As OWASP recommends, such text gets a leading
apostrophe; numbers are written as numbers and are not touched.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value itself, or for text that could start a formula the same text after an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
