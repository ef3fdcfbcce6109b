"""Benchmark rows for Excel exchange: uploading the largest format's template, and the reader chosen.

The upload goes through the grid page's real path (multipart POST, CSRF, session) as the
bench office: a dry run (read, match, parse, plan) and a save (the same, then stored and
audited). Memory is the peak Python allocation of the service call (tracemalloc). The reader
rows read the same filled workbook with openpyxl (read-only, values only: what the MIS uses)
and with python-calamine, interleaved, to show why openpyxl was kept.
"""

from __future__ import annotations

import io
import statistics
import time
import tracemalloc

from bench.reports import _interleaved

UPLOAD_TARGET_SECONDS = 2.0


def _largest_filed(office, month):
    """The format in force for `month` that `office` files, with the most open cells."""
    from app.security.policy import applies_to
    from app.services.engine import catalogue

    def cells(fmt) -> int:
        rows = len(catalogue.defined_rows(fmt, month)) if fmt.rows.kind != "free" else 30
        return rows * len(fmt.columns_in_force(month))

    formats = [f for f in catalogue.definitions().formats_in_force(month) if applies_to(f, office)]
    return max(formats, key=cells)


def _filled(template: bytes) -> tuple[bytes, int]:
    """The template with every open cell typed (1), and how many cells that is."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(template))
    count = 0
    for row in book.worksheets[0].iter_rows():
        for cell in row:
            if cell.protection.locked is False:
                cell.value, count = 1, count + 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def _read_openpyxl(data: bytes) -> int:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v is not None)
    book.close()
    return count


def _read_calamine(data: bytes) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = book.get_sheet_by_index(0).to_python()
    return sum(1 for row in sheet for v in row if v not in (None, ""))


def measure_upload(application, client, office_code: str, month, repeat: int, row_type, csrf) -> list:
    """Rows: upload dry run and save of the largest format (wall, peak memory), reader comparison."""
    from app.definitions.schema import slug
    from app.services.accounts.organisation import office_by_code

    with application.app_context():
        fmt = _largest_filed(office_by_code(office_code), month)
    base = f"/mpr/f/{slug(fmt.code)}/{office_code}/{month}"

    def post(data: bytes, check_only: bool):
        form = {"csrf_token": csrf(client.get(base).get_data(as_text=True)), "next": base}
        if check_only:
            form["check_only"] = "1"
        form["file"] = (io.BytesIO(data), "template.xlsx")
        started = time.perf_counter()
        response = client.post(f"{base}/upload", data=form, content_type="multipart/form-data")
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise RuntimeError(f"upload of {fmt.code} -> {response.status_code}")
        return elapsed

    dry, saves = [], []
    for index in range(repeat):
        template = client.get(f"{base}/template").get_data()
        data, cells = _filled(template)
        dry.append(post(data, True))
        if index == 0:
            tracemalloc.start()
            post(data, True)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        saves.append(post(data, False) if index % 2 == 0 else post(_filled(template)[0], True))
    dry_s, save_s = statistics.median(dry), statistics.median(saves)
    label = f"{fmt.code}, {cells} cells, {len(data) // 1024} KB"
    readers = _interleaved(
        {"openpyxl": lambda: _read_openpyxl(data), "calamine": lambda: _read_calamine(data)}, repeat
    )
    ratio = readers["openpyxl"] / readers["calamine"]
    return [
        row_type(f"upload dry run (page POST) {label}, median of {repeat}", f"{dry_s * 1000:.0f} ms",
                 f"<= {UPLOAD_TARGET_SECONDS:.0f} s", dry_s <= UPLOAD_TARGET_SECONDS),
        row_type(f"upload and save {label}, median", f"{save_s * 1000:.0f} ms",
                 f"<= {UPLOAD_TARGET_SECONDS:.0f} s", save_s <= UPLOAD_TARGET_SECONDS),
        row_type("  upload peak Python memory (tracemalloc, dry run)", f"{peak / 1e6:.1f} MB"),
        row_type(f"read that workbook: openpyxl read-only {readers['openpyxl'] * 1000:.1f} ms / "
                 f"python-calamine {readers['calamine'] * 1000:.1f} ms", f"{ratio:.1f}x"),
    ]  # fmt: skip
