"""Hand-built Office files for the upload tests: ZIP bombs that a few MB of deflate expand to gigabytes.

Deflate blocks of a repeated chunk, each closed with a full flush, are independent and identical, so a bomb of any
size is one compressed block repeated — no gigabyte is ever compressed here. Sizes in the headers may be honest or lie.
"""

import io
import struct
import zlib

CHUNK = 1024 * 1024
DOCX_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)


def _deflate_padding(megabytes: int, head: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of `head` followed by `megabytes` MB of spaces; (data, crc, expanded size)."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    repeat = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = repeat.compress(b" " * CHUNK) + repeat.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = zlib.crc32(head)
    spaces = b" " * CHUNK
    for _ in range(megabytes):
        crc = zlib.crc32(spaces, crc)
    return start + block * megabytes + end, crc, len(head) + megabytes * CHUNK


def build_zip(parts: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """parts: (name, deflated data, crc, declared expanded size, declared compressed size or -1 for the real one)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size, _ in parts:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0) + encoded + data)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        )
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _stored(name: str, content: bytes) -> tuple[str, bytes, int, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = c.compress(content) + c.flush()
    return name, data, zlib.crc32(content), len(content), -1


def docx_bomb(megabytes: int, *, lie: bool = False) -> bytes:
    """A .docx whose [Content_Types].xml is valid XML followed by `megabytes` MB of spaces.

    lie=True declares the part as small as its real head, so only reading with a cap stops it."""
    data, crc, size = _deflate_padding(megabytes, DOCX_TYPES)
    declared = len(DOCX_TYPES) if lie else size
    return build_zip([("[Content_Types].xml", data, crc, declared, -1), _stored("word/document.xml", b"<w:document/>")])


def xlsx_bomb(megabytes: int) -> bytes:
    """A real workbook (openpyxl opens it) whose first sheet expands to `megabytes` MB of spaces inside its XML."""
    import zipfile

    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Район", "Полное название"])
    workbook.save(buffer)
    parts = []
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if name == "xl/worksheets/sheet1.xml":
                head = content[: content.index(b"<sheetData>") + len(b"<sheetData>")]
                data, crc, size = _deflate_padding(megabytes, head)
                parts.append((name, data, crc, size, -1))
            else:
                parts.append(_stored(name, content))
    return build_zip(parts)


def many_parts_docx(parts: int) -> bytes:
    return build_zip([_stored("[Content_Types].xml", DOCX_TYPES)] + [_stored(f"word/p{n}.xml", b"<p/>") for n in range(parts)])


def real_docx() -> bytes:
    return build_zip([_stored("[Content_Types].xml", DOCX_TYPES), _stored("word/document.xml", b"<w:document/>" + b"<w:p>text</w:p>" * 200)])
