"""What a clerk sees: screenshots of the index and of grids, and the layout rules behind them.

Screenshots go to MPR_SHOTS_DIR (default /tmp/shots) for people to look at; the
assertions check what the eye would: header groups over their columns, one column
number per column, total rows and messages inside the grid, nothing cut off.
"""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

PERIOD = "2024-05"


# Returns every layout problem of the grid as text (empty when it is laid out right).
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const table = document.getElementById("mpr-grid");
  const box = (el) => el.getBoundingClientRect();
  const near = (a, b) => Math.abs(a - b) <= 1.5;
  const leaves = Array.from(table.querySelectorAll("thead th[data-col]"))  // left to right
    .sort((a, b) => box(a).left - box(b).left);
  const numbers = Array.from(table.querySelectorAll("thead tr.mpr-colnumbers th:not(.mpr-rowhead)"))
    .filter((th) => th.textContent.trim() !== "");
  if (numbers.length !== leaves.length) {
    problems.push(`${numbers.length} column numbers for ${leaves.length} columns`);
  }
  leaves.forEach((th, i) => {
    const code = th.getAttribute("data-col");
    const number = numbers[i];
    if (number && (number.textContent.trim() !== String(i + 1) || !near(box(number).left, box(th).left))) {
      problems.push(`column ${code}: number "${number.textContent.trim()}" not under its header`);
    }
    table.querySelectorAll(`tbody td[data-col="${code}"]`).forEach((td) => {
      if (!near(box(td).left, box(th).left) || !near(box(td).width, box(th).width)) {
        problems.push(`column ${code}: the cell of row ${td.parentElement.dataset.row} is off its header`);
      }
    });
  });
  const groups = table.querySelectorAll(  // column groups (not the column of Remove buttons)
    "thead tr:not(.mpr-colnumbers) th:not([data-col]):not(.mpr-rowhead):not(.mpr-actions)");
  groups.forEach((group) => {
    const g = box(group);
    if (g.width === 0 || group.textContent.trim() === "") { return; }  // e.g. an empty corner
    const inside = leaves.filter((th) => box(th).left >= g.left - 1.5 && box(th).right <= g.right + 1.5);
    const cut = leaves.filter((th) => box(th).left < g.right - 1.5 && box(th).right > g.left + 1.5
      && !inside.includes(th));
    if (!inside.length || cut.length || !near(g.left, box(inside[0]).left)
        || !near(g.right, box(inside[inside.length - 1]).right)) {
      problems.push(`group "${group.textContent.trim()}" does not span whole columns`);
    }
  });
  table.querySelectorAll(".mpr-msg").forEach((msg) => {
    const m = box(msg), c = box(msg.closest("td"));
    if (m.left < c.left - 1 || m.right > c.right + 1 || m.bottom > c.bottom + 1) {
      problems.push(`message "${msg.textContent}" overflows its cell`);
    }
  });
  table.querySelectorAll("tbody tr.mpr-data, tbody tr.mpr-total").forEach((tr) => {
    const label = tr.querySelector("th.mpr-rowhead");
    if (label && getComputedStyle(label).display !== "none" && label.textContent.trim() === "") {
      problems.push(`row ${tr.dataset.row} has no label`);
    }
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push("the page itself scrolls sideways (the grid should scroll inside its box)");
  }
  return problems;
}"""


def assert_laid_out(page) -> None:
    """Headers, numbers, cells and messages line up (see LAYOUT_PROBLEMS)."""
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, "\n".join(problems)


def assert_row_labels_stay_in_view(page) -> None:
    """Scrolled fully to the right, the row labels are still at the grid's left edge (beside a group's
    label, which stands at the edge itself, when the format shows groups beside their rows)."""
    scroller = page.locator(".table-responsive")
    if page.evaluate(
        "() => { const s = document.querySelector('.table-responsive'); "
        "return s.scrollWidth <= s.clientWidth; }"
    ):
        return
    scroller.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
    left = scroller.evaluate("(s) => s.getBoundingClientRect().left")
    side = page.evaluate(
        "() => { const s = document.querySelector('#mpr-grid th.mpr-rowgroup-side');"
        " return s ? s.getBoundingClientRect().width : 0; }"
    )
    selector = (
        "#mpr-grid tbody th.mpr-rowhead, #mpr-grid tbody .mpr-group-label, #mpr-grid th.mpr-rowgroup-side"
    )
    labels = page.locator(selector).all()
    for label in [label for label in labels if label.is_visible()][:6]:
        beside = label.evaluate("(el) => el.classList.contains('mpr-beside-group')")
        expected = left + (side if beside else 0)
        at = label.evaluate("(el) => el.getBoundingClientRect().left")
        assert abs(at - expected) < 8, label.inner_text()
    scroller.evaluate("(s) => { s.scrollLeft = 0; }")


def fill(page, row: str, values: dict[str, str]) -> None:
    """Type values into one row's inputs."""
    for code, value in values.items():
        page.locator(f'#mpr-grid tr[data-row="{row}"] [name="cell|{row}|{code}"]').fill(value)


def shoot(page, shots_dir, name: str) -> None:
    """A full-page screenshot, and the whole grid however wide it is."""
    page.screenshot(path=str(shots_dir / f"{name}.png"), full_page=True)
    grid = page.locator("#mpr-grid")
    if grid.count():
        width = page.evaluate("() => document.getElementById('mpr-grid').scrollWidth")
        page.set_viewport_size({"width": max(1400, width + 80), "height": 900})
        grid.screenshot(path=str(shots_dir / f"{name}-grid.png"))
        page.set_viewport_size({"width": 1400, "height": 900})


def test_index(page, login, shots_dir) -> None:
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/?period={PERIOD}")
    expect(page.locator("table.mpr-index tbody tr")).not_to_have_count(0)
    shoot(page, shots_dir, "index")


def test_product_rows_with_subtotals(page, login, shots_dir) -> None:
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/dpm_gst_adj_1/CGST-MUM-E/{PERIOD}")
    fill(page, "ADC.COMMISSIONERATE", {"OPENING_NO": "12", "OPENING_AMT": "845.50", "RECEIPT_NO": "3"})
    fill(page, "ADC.COMMISSIONERATE", {"RECEIPT_AMT": "120", "DISPOSAL_NO": "4", "DISPOSAL_AMT": "210.25"})
    fill(page, "ADC.COMMISSIONERATE", {"OIO_NO": "3", "OIO_AMT": "150"})
    fill(page, "ADC.COMMISSIONERATE", {"AGE_LESS_3_NO": "5", "AGE_3_TO_6_NO": "3", "AGE_6_TO_12_NO": "2"})
    fill(page, "ADC.COMMISSIONERATE", {"AGE_MORE_THAN_1_NO": "2"})  # 12, but the closing is 11
    fill(page, "DC.AUDIT", {"OPENING_NO": "7", "RECEIPT_NO": "2", "DISPOSAL_NO": "1"})
    expect(page.locator("#mpr-grid .mpr-live-msg")).to_have_count(4)  # the four age-wise cells
    expect(page.locator("#mpr-grid tbody tr").last).to_have_attribute("data-row", "TOTAL")
    expect(page.locator('#mpr-grid tr[data-row="ADC.AUDIT"] th')).to_have_text("Audit cases")
    expect(page.locator('#mpr-grid tr[data-row="ADC.TOTAL"] th')).to_have_text("Total")  # beside "ADC/JC"
    sides = page.locator("#mpr-grid th.mpr-rowgroup-side")
    expect(sides).to_have_text(["ADC/JC", "DC/AC", "Superintendent"])
    assert_laid_out(page)
    assert_row_labels_stay_in_view(page)
    shoot(page, shots_dir, "dpm-gst-adj-1")


def test_grouped_fixed_rows(page, login, shots_dir) -> None:
    login(page, "dri-mzu")
    page.goto(f"/mpr/f/dri_cus_3a/DRI-MZU/{PERIOD}")
    fill(page, "IMPORT_GOLD", {"OPENING_NOC": "4", "OPENING_DUTY": "310.40", "RECEIPT_NOC": "2"})
    fill(page, "IMPORT_GOLD", {"RECEIPT_DUTY": "95", "DISPOSAL_NOC": "1", "DISPOSAL_DUTY": "40"})
    fill(page, "IMPORT_GOLD", {"PENDING_2Y_NOC": "9"})  # more than the closing 5: message
    fill(page, "EXPORT_NARCO", {"OPENING_NOC": "1", "RECEIPT_NOC": "1"})
    expect(page.locator("#mpr-grid .mpr-msg")).to_have_count(1)
    expect(page.locator("#mpr-grid tbody tr.mpr-rowgroup")).to_have_text(["Import", "Export"])
    assert_laid_out(page)
    shoot(page, shots_dir, "dri-cus-3a")


def test_free_rows(page, page_problems, login, shots_dir) -> None:
    page_problems.allow(r"status of 422 .*/mpr/f/gi_gst_5/")  # the refused save below
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/gi_gst_5/CGST-MUM-E/{PERIOD}")
    hint = page.locator("#mpr-grid tr.mpr-empty")
    expect(hint).to_contain_text("No arrest reported for May 2024")
    assert_laid_out(page)
    shoot(page, shots_dir, "gi-gst-5-empty")
    page.click("#mpr-add-row")
    fill(page, "new-1", {"PERSON_NAME": "Ramesh Kumar", "PAN": "ABCDE1234F", "ARREST_DATE": "2024-05-10"})
    fill(page, "new-1", {"TAX_EVASION_AMT": "250.75"})
    page.select_option('[name="cell|new-1|OFFENCE"]', index=2)
    page.select_option('[name="cell|new-1|BAIL_STATUS"]', index=1)
    page.click("#mpr-add-row")
    fill(page, "new-2", {"PERSON_NAME": "Suresh 9", "PAN": "bad"})
    with page.expect_navigation():
        page.click("#mpr-save")  # refused: the second row has bad cells
    expect(hint).to_be_hidden()  # there are rows now
    expect(page.locator("#mpr-grid .mpr-msg")).to_have_count(2)
    assert_laid_out(page)
    shoot(page, shots_dir, "gi-gst-5")


def test_single_row_after_save_with_failing_check(page, login, shots_dir) -> None:
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/dpm_gst_adj_2/CGST-MUM-E/{PERIOD}")
    fill(page, "_", {"OPENING_NO": "10", "OPENING_AMT": "5400", "RECEIPT_NO": "2", "RECEIPT_AMT": "1300"})
    fill(page, "_", {"DISPOSAL_REVENUE_NO": "1", "DISPOSAL_REVENUE_AMT": "600"})
    fill(page, "_", {"AGE_UPTO_6M_NO": "4", "AGE_6_12M_NO": "4", "AGE_GT_1Y_NO": "4"})
    with page.expect_navigation():
        page.click("#mpr-save")
    expect(page.locator("#mpr-grid .mpr-msg", has_text="Sum of age-wise")).to_have_count(3)  # once each
    expect(page.locator("#mpr-grid th.mpr-rowhead").first).to_be_hidden()  # one row: no label column
    assert_laid_out(page)
    assert_row_labels_stay_in_view(page)
    shoot(page, shots_dir, "dpm-gst-adj-2")
