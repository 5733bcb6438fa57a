// tfl-inspect folder index: sort the table by a column (numbers by their data-v value).
"use strict";
for (const th of document.querySelectorAll("th.sortable")) {
  th.addEventListener("click", () => {
    const table = th.closest("table"), col = [...th.parentNode.children].indexOf(th);
    const rows = [...table.querySelectorAll("tr")].slice(1);
    const asc = th.dataset.dir !== "asc"; th.dataset.dir = asc ? "asc" : "desc";
    const key = (r) => { const c = r.children[col]; return c.dataset.v !== undefined ? Number(c.dataset.v) : c.textContent; };
    rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1); });
    for (const r of rows) table.append(r);
  });
}
