// tfl-inspect report page: everything is built from the embedded JSON with textContent (never
// innerHTML), so names from the model stay inert text. No network: nothing here loads anything.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
    return e;
  };
  const ops = data.ops || [];
  const byId = new Map(ops.map((o) => [o.id, o]));

  // ---- findings: filter by severity and family ------------------------------------------------
  const findingsBox = $("#findings-list");
  if (findingsBox) {
    const sevs = new Set(["error", "warning", "info"]);
    const fams = new Set((data.findings || []).map((f) => f.rule.replace(/[0-9]+$/, "")));
    const active = { sev: new Set(sevs), fam: new Set(fams) };
    const filters = $("#findings-filters");
    const box = (kind, value, label) => {
      const cb = el("input", { type: "checkbox", "data-kind": kind, "data-value": value });
      cb.checked = true;
      cb.addEventListener("change", () => {
        (cb.checked ? active[kind].add(value) : active[kind].delete(value));
        renderFindings();
      });
      return el("label", {}, cb, " " + label);
    };
    for (const s of sevs) filters.append(box("sev", s, s));
    filters.append(el("span", { class: "muted", text: " | " }));
    for (const f of [...fams].sort()) filters.append(box("fam", f, f));
    const renderFindings = () => {
      findingsBox.replaceChildren();
      let shown = 0;
      for (const f of data.findings || []) {
        if (!active.sev.has(f.severity) || !active.fam.has(f.rule.replace(/[0-9]+$/, ""))) continue;
        shown += 1;
        const where = el("div", { class: "where", text: f.where });
        const head = el("div", {}, el("span", { class: "sev-" + f.severity, text: f.severity.toUpperCase() }),
          " ", el("code", { text: f.rule }), " ", el("span", { text: f.message }));
        const item = el("div", { class: "finding " + f.severity, "data-rule": f.rule }, head, where);
        if (f.explanation || f.fix) {
          item.append(el("details", {}, el("summary", { text: "why and what to change" }),
            el("p", { text: f.explanation || "" }), el("p", { text: f.fix ? "Fix: " + f.fix : "" })));
        }
        if (f.op !== null && f.op !== undefined) {
          const id = "op_" + f.subgraph + "_" + f.op;
          if (byId.has(id)) {
            const go = el("a", { href: "#graph", text: "show op " + f.op });
            go.addEventListener("click", () => select(id, true));
            item.append(go);
          }
        }
        findingsBox.append(item);
      }
      $("#findings-count").textContent = shown + " of " + (data.findings || []).length + " shown";
    };
    renderFindings();
  }

  // ---- graph: pan, zoom, search, select ---------------------------------------------------------
  const graph = $("#graph");
  const svg = graph ? graph.querySelector("svg") : null;
  let view = null;
  const setView = (v) => {
    view = v;
    svg.setAttribute("viewBox", v.x + " " + v.y + " " + v.w + " " + v.h);
    graph.dataset.viewbox = svg.getAttribute("viewBox");
  };
  if (svg) {
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    const vb = svg.viewBox.baseVal;
    const home = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    setView({ ...home });
    const toSvg = (ev) => {
      const r = svg.getBoundingClientRect();
      const s = Math.max(view.w / r.width, view.h / r.height);
      const ox = view.x + (view.w - r.width * s) / 2, oy = view.y + (view.h - r.height * s) / 2;
      return { x: ox + (ev.clientX - r.left) * s, y: oy + (ev.clientY - r.top) * s, s };
    };
    const zoom = (factor, at) => {
      const c = at || { x: view.x + view.w / 2, y: view.y + view.h / 2 };
      setView({ x: c.x - (c.x - view.x) * factor, y: c.y - (c.y - view.y) * factor, w: view.w * factor,
        h: view.h * factor });
    };
    graph.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, toSvg(ev));
    }, { passive: false });
    let drag = null;
    graph.addEventListener("mousedown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, v: { ...view }, moved: false };
      graph.classList.add("dragging");
    });
    window.addEventListener("mousemove", (ev) => {
      if (!drag) return;
      const r = svg.getBoundingClientRect();
      const s = Math.max(view.w / r.width, view.h / r.height);
      const dx = (ev.clientX - drag.x) * s, dy = (ev.clientY - drag.y) * s;
      if (Math.abs(dx) + Math.abs(dy) > 0) drag.moved = true;
      setView({ ...drag.v, x: drag.v.x - dx, y: drag.v.y - dy });
    });
    window.addEventListener("mouseup", () => { drag = null; graph.classList.remove("dragging"); });
    $("#zoom-in").addEventListener("click", () => zoom(1 / 1.4));
    $("#zoom-out").addEventListener("click", () => zoom(1.4));
    $("#zoom-reset").addEventListener("click", () => setView({ ...home }));
    for (const node of svg.querySelectorAll("g.node.op")) {
      node.addEventListener("click", (ev) => {
        if (drag && drag.moved) return;
        ev.stopPropagation();
        select(node.id, false);
      });
    }
  }

  const details = $("#details");
  function select(id, centre) {
    const op = byId.get(id);
    if (!op) return;
    if (svg) {
      for (const n of svg.querySelectorAll(".selected")) n.classList.remove("selected");
      const node = svg.getElementById ? svg.getElementById(id) : document.getElementById(id);
      if (node) {
        node.classList.add("selected");
        if (centre) {
          const b = node.getBBox();
          const w = Math.max(b.width * 6, 300), h = Math.max(b.height * 10, 200);
          const m = node.getCTM && svg.getCTM ? svg.getCTM().inverse().multiply(node.getCTM()) : null;
          const cx = m ? m.a * (b.x + b.width / 2) + m.e : b.x + b.width / 2;
          const cy = m ? m.d * (b.y + b.height / 2) + m.f : b.y + b.height / 2;
          setView({ x: cx - w / 2, y: cy - h / 2, w, h });
        }
      }
    }
    details.replaceChildren();
    details.append(el("h3", { text: op.opcode + " (subgraph " + op.s + ", op " + op.i + ")" }));
    if (op.scope) details.append(el("div", { class: "muted", text: "scope: " + op.scope }));
    if (svg && !svg.getElementById(id)) {
      details.append(el("div", { class: "muted", text: "drawn inside a collapsed box" + (op.box ? ": " + op.box : "") }));
    }
    const t = el("table", {});
    const row = (k, v) => t.append(el("tr", {}, el("th", { text: k }), el("td", { class: "mono", text: v })));
    for (const io of op.inputs) row("in", io);
    for (const io of op.outputs) row("out", io);
    for (const [k, v] of Object.entries(op.options || {})) row(k, typeof v === "string" ? v : JSON.stringify(v));
    details.append(t);
    if (op.findings && op.findings.length) {
      details.append(el("h3", { text: "findings" }));
      for (const f of op.findings) details.append(el("div", { class: "sev-" + f[0], text: f[1] + " " + f[2] }));
    }
  }

  const search = $("#search");
  const results = $("#results");
  if (search) {
    const run = () => {
      const q = search.value.trim().toLowerCase();
      results.replaceChildren();
      if (svg) for (const n of svg.querySelectorAll(".match")) n.classList.remove("match");
      if (!q) return;
      let count = 0;
      for (const op of ops) {
        const hay = (op.opcode + " " + op.inputs.join(" ") + " " + op.outputs.join(" ") + " #" + op.i).toLowerCase();
        if (!hay.includes(q)) continue;
        count += 1;
        if (svg) {
          const node = svg.getElementById(op.id);
          if (node) node.classList.add("match");
        }
        if (count <= 200) {
          const li = el("li", { "data-op": op.id, text: op.opcode + " #" + op.i + "  " + (op.outputs[0] || "") });
          li.addEventListener("click", () => select(op.id, true));
          results.append(li);
        }
      }
      $("#search-count").textContent = count + " match" + (count === 1 ? "" : "es");
      if (count === 1) select(results.firstChild.dataset.op, true);
    };
    search.addEventListener("input", run);
    search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && results.firstChild) select(results.firstChild.dataset.op, true);
    });
  }

  // ---- operators by name scope: collapsible, rows built when opened ------------------------------
  const scopes = $("#scopes");
  if (scopes) {
    const tree = new Map();
    for (const op of ops) {
      const key = op.scope || "(no scope)";
      if (!tree.has(key)) tree.set(key, []);
      tree.get(key).push(op);
    }
    for (const [scope, members] of tree) {
      const d = el("details", { class: "scope" }, el("summary", { text: scope + " — " + members.length + " ops" }));
      d.addEventListener("toggle", () => {
        if (!d.open || d.dataset.built) return;
        d.dataset.built = "1";
        const t = el("table", {}, el("tr", {}, el("th", { text: "op" }), el("th", { text: "opcode" }),
          el("th", { text: "output" })));
        for (const op of members) {
          const link = el("a", { href: "#graph", text: "#" + op.i });
          link.addEventListener("click", () => select(op.id, true));
          t.append(el("tr", {}, el("td", {}, link), el("td", { text: op.opcode }),
            el("td", { class: "mono", text: op.outputs[0] || "" })));
        }
        d.append(t);
      });
      scopes.append(d);
    }
  }
  document.body.dataset.ready = "1";
})();
