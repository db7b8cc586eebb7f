"""A user's text file (a goals file, a CSV of compositions) as text, whatever Unicode encoding it was saved in.

Editors and spreadsheets save text as UTF-8 (with or without a byte-order mark), and on
Windows often as UTF-16 with a byte-order mark ("Unicode text"). The mark says which, so
those are read; anything else (a PDF, random bytes, a legacy 8-bit encoding) is refused with
one line naming the file, where the problem is and the encoding to save it in, never with a
`UnicodeDecodeError`.
"""
from __future__ import annotations

import codecs

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SAVE_AS = "save it as UTF-8 text"


class TextFileError(ValueError):
    """A file that is not text in a Unicode encoding; the message names the file and the fix."""


def decode_text(data: bytes, name: str) -> str:
    """The text of a file's bytes: UTF-8, or UTF-8/16/32 by its byte-order mark; `TextFileError` otherwise.
    `name` names the file in the message (e.g. "goals.yaml" or "--file rows.csv")."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise TextFileError(f"{name}: starts with a {encoding.upper()} byte-order mark but is not "
                                    f"{encoding.upper()} text; {_SAVE_AS}") from None
    if data.startswith(b"%PDF"):
        raise TextFileError(f"{name}: a PDF document, not a text file; {_SAVE_AS}")
    if b"\x00" in data[:4096]:
        raise TextFileError(f"{name}: binary content, not a text file; {_SAVE_AS}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TextFileError(f"{name}: line {line}: byte 0x{data[error.start]:02X} is not UTF-8; {_SAVE_AS} "
                            "(UTF-16 with a byte-order mark is read too)") from None
