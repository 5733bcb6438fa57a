// tfl-inspect report page: everything is built from the embedded JSON with textContent and
// setAttribute (never innerHTML), so names from the model stay inert text. No network: nothing
// here loads anything. The diagrams were laid out by Graphviz when the report was made; this
// script draws the model's diagram at load and the inside of a collapsed box when it is opened.
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
  const graphInfo = data.graph || null;
  const boxes = graphInfo ? graphInfo.boxes : {};
  const reasons = data.reasons || [];
  let matches = []; // ops found by the search

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
            const go = el("a", { href: "#graph-section", text: "show op " + f.op });
            go.addEventListener("click", () => reveal(id));
            item.append(go);
          }
        }
        findingsBox.append(item);
      }
      $("#findings-count").textContent = shown + " of " + (data.findings || []).length + " shown";
    };
    renderFindings();
  }

  // ---- drawing a laid-out diagram ---------------------------------------------------------------
  const NS = "http://www.w3.org/2000/svg";
  const ANCHOR = { l: "start", c: "middle", r: "end" };
  const folded = new Map(); // node id → ops folded into it (a DEQUANTIZE of a constant drawn as a const line)
  for (const op of ops) {
    if (op.at && op.at !== op.id) {
      if (!folded.has(op.at)) folded.set(op.at, []);
      folded.get(op.at).push(op);
    }
  }
  const opKey = (id) => id.slice(3).replace("_", ":"); // op_0_12 → 0:12

  function group(svg, kind, name, cls) {
    const g = document.createElementNS(NS, "g");
    if (kind === "n") {
      g.setAttribute("class", "node " + cls);
      if (name.startsWith("op_")) {
        g.id = name;
        g.dataset.op = opKey(name);
        for (const f of folded.get(name) || []) {
          const mark = document.createElementNS(NS, "g");
          mark.setAttribute("class", "folded");
          mark.dataset.op = f.s + ":" + f.i;
          g.append(mark);
        }
      } else if (name.startsWith("box_")) {
        g.id = name;
        g.dataset.box = name;
      } else if (name.startsWith("ctx_")) {
        g.dataset.ctx = name.slice(4);
      } else {
        g.dataset.node = name;
      }
    } else {
      g.setAttribute("class", kind === "e" ? "edge" : "cluster");
      if (kind === "e") g.dataset.edge = name;
    }
    svg.append(g);
    return g;
  }

  function draw(layout, level) {
    const svg = document.createElementNS(NS, "svg");
    const [vx, vy, vw, vh] = layout.view;
    svg.setAttribute("viewBox", vx + " " + vy + " " + vw + " " + vh);
    svg.setAttribute("class", "diagram");
    svg.dataset.level = level;
    // The state every item list starts from (as dot_layout.py assumes); sizes in tenths of a point.
    const st = { c: "#000000", C: "#000000", w: 10, s: "", F: 140, t: 0 };
    svg.setAttribute("stroke-width", "10");
    let g = svg;
    const put = (tag, attrs, filled) => {
      const e = document.createElementNS(NS, tag);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      e.setAttribute("fill", filled ? st.C : "none");
      e.setAttribute("stroke", st.c);
      if (st.w !== 10) e.setAttribute("stroke-width", st.w);
      if (st.s) e.setAttribute("stroke-dasharray", st.s);
      g.append(e);
    };
    const points = (a) => {
      const out = [];
      for (let i = 0; i < a.length; i += 2) out.push(a[i] + "," + a[i + 1]);
      return out.join(" ");
    };
    for (const it of layout.d) {
      switch (it[0]) {
        case "g": g = group(svg, it[1], it[2], it[3]); break;
        case "c": case "C": case "w": case "s": case "F": case "t": st[it[0]] = it[1]; break;
        case "P": put("polygon", { points: points(it[2]) }, it[1]); break;
        case "L": put("polyline", { points: points(it[1]) }, 0); break;
        case "B": {
          const a = it[2];
          put("path", { d: "M" + a[0] + "," + a[1] + "C" + points(a.slice(2)) }, it[1]);
          break;
        }
        case "E": put("ellipse", { cx: it[2], cy: it[3], rx: it[4], ry: it[5] }, it[1]); break;
        case "R": put("rect", { x: it[2], y: it[3], width: it[4], height: it[5], rx: 60, ry: 60 }, it[1]); break;
        case "T": {
          const t = document.createElementNS(NS, "text");
          t.setAttribute("x", it[1]);
          t.setAttribute("y", it[2]);
          t.setAttribute("text-anchor", ANCHOR[it[3]] || "start");
          t.setAttribute("font-size", st.F);
          t.setAttribute("fill", st.c);
          if (st.t & 1) t.setAttribute("font-weight", "bold");
          if (st.t & 2) t.setAttribute("font-style", "italic");
          t.textContent = it[4];
          g.append(t);
          break;
        }
        default: break;
      }
    }
    return svg;
  }

  // ---- the viewer: one diagram at a time, boxes open in place, a way back ----------------------
  const graph = $("#graph");
  const PX = 96 / 72 / 10; // the layouts are in tenths of a point
  const READABLE = 0.75; // below this scale 11 pt labels get too small to read
  const views = new Map(); // level ("" = the model, else a box id) → {svg, scale}
  let current = null;
  let boxLayouts = null;
  const parentOf = (b) => (boxes[b] && boxes[b].parent) || "";
  const levelOf = (op) => op.box || "";
  const chain = (level) => {
    const out = [];
    for (let b = level; b; b = parentOf(b)) out.unshift(b);
    return out;
  };

  function layoutOf(level) {
    if (!level) return graphInfo.top;
    if (boxLayouts === null) boxLayouts = JSON.parse(document.getElementById("report-boxes").textContent);
    return boxLayouts[level];
  }

  function viewOf(level) {
    let v = views.get(level);
    if (!v) {
      v = { svg: draw(layoutOf(level), level), scale: null };
      v.svg.style.display = "none";
      graph.append(v.svg);
      views.set(level, v);
    }
    return v;
  }

  const report = () => {
    const v = views.get(current);
    graph.dataset.view = current + " " + (v ? v.scale.toFixed(3) : "") + " " + Math.round(graph.scrollLeft) + " " +
      Math.round(graph.scrollTop);
  };

  function setScale(v, scale) {
    const b = v.svg.viewBox.baseVal;
    v.scale = Math.min(Math.max(scale, 0.02), 8);
    v.svg.style.width = (b.width * v.scale * PX) + "px";
    v.svg.style.height = (b.height * v.scale * PX) + "px";
  }

  function fitWidth(v) {
    const vw = v.svg.viewBox.baseVal.width;
    const s = (graph.clientWidth - 4) / (vw * PX);
    setScale(v, Math.min(1, Math.max(READABLE, s)));
    graph.scrollTop = 0;
    graph.scrollLeft = 0;
    // Wider than the view even so: start where the data comes in (the first input, else the first node).
    const start = v.svg.querySelector("g.node.input, g.node.context, g.node.op, g.node.box");
    if (start && graph.scrollWidth > graph.clientWidth) {
      const nr = start.getBoundingClientRect(), gr = graph.getBoundingClientRect();
      graph.scrollLeft = Math.max(0, nr.left + nr.width / 2 - gr.left - graph.clientWidth / 2);
    }
  }

  function fitAll(v) {
    const b = v.svg.viewBox.baseVal;
    setScale(v, Math.min(1, (graph.clientWidth - 4) / (b.width * PX), (graph.clientHeight - 4) / (b.height * PX)));
    graph.scrollTop = 0;
    graph.scrollLeft = 0;
  }

  function zoomAt(factor, x, y) {
    const v = views.get(current);
    const before = v.svg.getBoundingClientRect();
    const gr = graph.getBoundingClientRect();
    const cx = x === undefined ? gr.left + graph.clientWidth / 2 : x;
    const cy = y === undefined ? gr.top + graph.clientHeight / 2 : y;
    const u = (cx - before.left) / before.width, w = (cy - before.top) / before.height;
    setScale(v, v.scale * factor);
    const after = v.svg.getBoundingClientRect();
    graph.scrollLeft += after.left + u * after.width - cx;
    graph.scrollTop += after.top + w * after.height - cy;
    report();
  }

  function centreOn(node) {
    const v = views.get(current);
    if (v.scale < READABLE) setScale(v, READABLE);
    const nr = node.getBoundingClientRect(), gr = graph.getBoundingClientRect();
    graph.scrollLeft += nr.left + nr.width / 2 - (gr.left + graph.clientWidth / 2);
    graph.scrollTop += nr.top + nr.height / 2 - (gr.top + graph.clientHeight / 2);
    report();
  }

  function crumbs() {
    const box = $("#crumbs");
    box.replaceChildren();
    const link = (level, text) => {
      const b = el("button", { type: "button", class: "crumb", text });
      b.addEventListener("click", () => show(level));
      return b;
    };
    box.append(link("", "model"));
    for (const b of chain(current)) {
      box.append(el("span", { class: "muted", text: " › " }));
      const title = boxes[b].title + " (" + boxes[b].n + " ops)";
      box.append(b === current ? el("span", { class: "crumb-here", text: title }) : link(b, title));
    }
    $("#back").disabled = !current;
  }

  function show(level) {
    if (!graph || level === current) return;
    const old = views.get(current);
    if (old) {
      old.left = graph.scrollLeft;
      old.top = graph.scrollTop;
      old.svg.style.display = "none";
    }
    current = level;
    const v = viewOf(level);
    v.svg.style.display = "";
    if (v.scale === null) fitWidth(v);
    else {
      graph.scrollLeft = v.left || 0;
      graph.scrollTop = v.top || 0;
    }
    crumbs();
    markMatches();
    report();
  }

  function openBox(id) {
    if (!boxes[id]) return;
    show(id);
    describeBox(id);
  }

  if (graph && graphInfo) {
    show("");
    graph.addEventListener("scroll", report, { passive: true });
    graph.addEventListener("wheel", (ev) => {
      if (!ev.ctrlKey && !ev.metaKey) return; // plain wheel scrolls: "scroll for length"
      ev.preventDefault();
      zoomAt(ev.deltaY > 0 ? 1 / 1.15 : 1.15, ev.clientX, ev.clientY);
    }, { passive: false });
    let drag = null;
    let dragged = false;
    graph.addEventListener("mousedown", (ev) => {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, left: graph.scrollLeft, top: graph.scrollTop };
      dragged = false;
    });
    window.addEventListener("mousemove", (ev) => {
      if (!drag) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) > 3) {
        dragged = true;
        graph.classList.add("dragging");
      }
      if (dragged) {
        graph.scrollLeft = drag.left - dx;
        graph.scrollTop = drag.top - dy;
      }
    });
    window.addEventListener("mouseup", () => {
      drag = null;
      graph.classList.remove("dragging");
    });
    graph.addEventListener("click", (ev) => {
      if (dragged) { dragged = false; return; }
      const node = ev.target.closest ? ev.target.closest("g.node") : null;
      if (!node) return;
      if (node.dataset.op) select(node.id, false);
      else if (node.dataset.box) openBox(node.dataset.box);
      else if (node.dataset.ctx) goTo(node.dataset.ctx);
    });
    $("#zoom-in").addEventListener("click", () => zoomAt(1.4));
    $("#zoom-out").addEventListener("click", () => zoomAt(1 / 1.4));
    $("#zoom-reset").addEventListener("click", () => { fitWidth(views.get(current)); report(); });
    $("#zoom-all").addEventListener("click", () => { fitAll(views.get(current)); report(); });
    $("#back").addEventListener("click", () => back());
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && document.activeElement !== $("#search") && current) back();
    });
  }

  function back() {
    if (!current) return;
    const from = current;
    show(parentOf(from));
    const node = document.getElementById(from);
    if (node) {
      mark(node, "selected");
      centreOn(node);
    }
  }

  function goTo(target) {
    if (target.startsWith("op_")) { reveal(target); return; }
    if (!boxes[target]) return;
    show(parentOf(target));
    const node = document.getElementById(target);
    if (node) {
      mark(node, "selected");
      centreOn(node);
    }
    describeBox(target);
  }

  function mark(node, cls) {
    for (const n of graph.querySelectorAll("." + cls)) n.classList.remove(cls);
    if (node) node.classList.add(cls);
  }

  // ---- details ------------------------------------------------------------------------------------
  const details = $("#details");
  const table = (rows) => {
    const t = el("table", {});
    for (const [k, v] of rows) t.append(el("tr", {}, el("th", { text: k }), el("td", { class: "mono", text: v })));
    return t;
  };

  function describeBox(id) {
    const b = boxes[id];
    const inside = ops.filter((op) => chain(levelOf(op)).includes(id));
    const own = inside.filter((op) => op.at === op.id);
    const counts = new Map();
    for (const op of own) counts.set(op.opcode, (counts.get(op.opcode) || 0) + 1);
    const first = Math.min(...own.map((o) => o.i)), last = Math.max(...own.map((o) => o.i));
    let what = own.length + " ops, #" + first + "–#" + last + (b.s ? " of subgraph " + b.s : "");
    if (inside.length > own.length) what += " (+" + (inside.length - own.length) + " DEQUANTIZE/DENSIFY of constants folded)";
    details.replaceChildren(el("h3", { text: b.title }), el("div", { class: "muted", text: what }),
      table([...counts].sort((x, y) => y[1] - x[1]).map(([k, n]) => [String(n) + "×", k])));
  }

  function select(id, centre) {
    const op = byId.get(id);
    if (!op) return;
    if (graph && graphInfo && op.at) {
      const node = document.getElementById(op.at);
      mark(node, "selected");
      if (node && centre) centreOn(node);
    }
    details.replaceChildren();
    details.append(el("h3", { text: op.opcode + " (subgraph " + op.s + ", op " + op.i + ")" }));
    if (op.scope) details.append(el("div", { class: "muted", text: "scope: " + op.scope }));
    if (op.at && op.at !== op.id) {
      const reader = byId.get(op.at);
      details.append(el("div", { class: "muted", text: "folded into " + (reader ? reader.opcode + " #" + reader.i : op.at) +
        ": drawn as its const line" }));
    }
    if (op.box) details.append(el("div", { class: "muted", text: "in box: " + boxes[op.box].title }));
    const partner = op.diff ? describeChange(op) : null;
    if (partner) details.append(compareTable(op, partner));
    else details.append(table(fields(op)));
    if (op.targets && op.targets.length) {
      details.append(el("h3", { text: "targets that do not simply take it" }));
      const compat = ((data.sections || {}).compat || {}).targets || {};
      for (const [name, status, r] of op.targets) {
        const why = reasons[r] || ["", ""];
        const t = compat[name] || {};
        const what = status === "caveat" ? "with a caveat" : t.loads_whole ? "no kernel: the model does not load"
          : "runs on the CPU";
        details.append(el("div", { class: "target-note" }, el("b", { text: (t.title || name) + ": " }),
          what + " — ", el("span", { class: "muted", text: why[1] })));
      }
    }
    if (op.findings && op.findings.length) {
      details.append(el("h3", { text: "findings" }));
      for (const f of op.findings) details.append(el("div", { class: "sev-" + f[0], text: f[1] + " " + f[2] }));
    }
  }

  function fields(op) {
    const rows = [];
    op.inputs.forEach((io, k) => rows.push(["in " + k, io]));
    op.outputs.forEach((io, k) => rows.push(["out " + k, io]));
    for (const [k, v] of Object.entries(op.options || {})) rows.push([k, typeof v === "string" ? v : JSON.stringify(v)]);
    return rows;
  }

  // ---- report A --diff B: the op's partner in B, what changed, the error of its output --------------
  const fmt = (v, digits) => (v === null || v === undefined ? "inf" : Number(v).toPrecision(digits));
  // What changed in B and the error of the op's output, first; returns B's op when there is one.
  function describeChange(op) {
    const d = op.diff;
    const what = d.kind === "removed" ? "removed in B" : d.kind === "changed" ? "changed in B"
      : d.kind === "same" ? "unchanged in B" : "no partner in B";
    const b = d.b !== null && d.b !== undefined ? (data.b_ops || {})[String(d.b)] : null;
    const head = el("div", { class: "change " + (d.kind || "none") }, el("b", { text: what }));
    if (b) head.append(" (B op " + b.i + (b.opcode !== op.opcode ? ", " + b.opcode : "") + ")");
    for (const line of d.details || []) head.append(el("div", { text: line }));
    for (const e of d.errors || []) {
      head.append(el("div", { text: "output " + e.name + ": SQNR " + fmt(e.sqnr_db, 4) + " dB · max |Δ| " +
        fmt(e.max_abs, 4) + " · cosine " + fmt(e.cosine, 6) + (e.steps === null ? "" : " · " + fmt(e.steps, 3) +
        " steps") }));
    }
    details.append(head);
    return b;
  }

  // A and B side by side; rows that differ (tensor indices aside) are marked.
  function compareTable(a, b) {
    const fa = new Map(fields(a)), fb = new Map(fields(b));
    const keys = [...new Set([...fa.keys(), ...fb.keys()])];
    const t = el("table", { class: "compare" }, el("tr", {}, el("th", {}), el("th", { text: "A" }),
      el("th", { text: "B" })));
    const bare = (v) => (v || "").replace(/^#[0-9]+ /, "");
    for (const k of keys) {
      const x = fa.get(k), y = fb.get(k);
      t.append(el("tr", { class: bare(x) === bare(y) ? "" : "differs" }, el("th", { text: k }),
        el("td", { class: "mono", text: x === undefined ? "—" : x }),
        el("td", { class: "mono", text: y === undefined ? "—" : y })));
    }
    return t;
  }

  // ---- tables: sort by a column (numbers by their data-v), a layer row shows its op ---------------
  for (const th of document.querySelectorAll("table.sortable-table th.sortable")) {
    th.addEventListener("click", () => {
      const t = th.closest("table"), col = [...th.parentNode.children].indexOf(th);
      const rows = [...t.querySelectorAll("tr")].slice(1);
      const asc = th.dataset.dir !== "asc";
      th.dataset.dir = asc ? "asc" : "desc";
      const key = (r) => {
        const c = r.children[col];
        return c.dataset.v !== undefined ? Number(c.dataset.v) : c.textContent;
      };
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      for (const r of rows) t.append(r);
    });
  }
  for (const row of document.querySelectorAll("main table tr[data-a-op]")) {
    if (!byId.has(row.dataset.aOp)) continue;
    row.classList.add("clickable");
    row.addEventListener("click", () => {
      document.getElementById("graph-section").scrollIntoView();
      reveal(row.dataset.aOp);
    });
  }

  function reveal(id) {
    const op = byId.get(id);
    if (!op) return;
    if (graph && graphInfo && op.at) show(levelOf(op));
    select(id, true);
  }

  // ---- search: ops anywhere, boxes that hold a match are marked too -----------------------------
  const search = $("#search");
  const results = $("#results");
  function markMatches() {
    if (!graph) return;
    for (const n of graph.querySelectorAll(".match")) n.classList.remove("match");
    for (const op of matches) {
      if (!op.at) continue;
      let id = levelOf(op) === current ? op.at : null;
      for (let b = op.box; !id && b; b = parentOf(b)) if (parentOf(b) === current) id = b;
      const node = id ? document.getElementById(id) : null;
      if (node) node.classList.add("match");
    }
  }

  if (search) {
    const run = () => {
      const q = search.value.trim().toLowerCase();
      results.replaceChildren();
      matches = [];
      if (q) {
        for (const op of ops) {
          const hay = (op.opcode + " " + op.inputs.join(" ") + " " + op.outputs.join(" ") + " #" + op.i).toLowerCase();
          if (hay.includes(q)) matches.push(op);
        }
      }
      markMatches();
      for (const op of matches.slice(0, 200)) {
        const where = op.box ? "  — in " + boxes[op.box].title : "";
        const li = el("li", { "data-op": op.id, text: op.opcode + " #" + op.i + "  " + (op.outputs[0] || "") + where });
        li.addEventListener("click", () => reveal(op.id));
        results.append(li);
      }
      const n = matches.length;
      $("#search-count").textContent = q ? n + " match" + (n === 1 ? "" : "es") : "";
      if (n === 1) reveal(matches[0].id);
    };
    search.addEventListener("input", run);
    search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && results.firstChild) reveal(results.firstChild.dataset.op);
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
          const link = el("a", { href: "#graph-section", text: "#" + op.i });
          link.addEventListener("click", () => reveal(op.id));
          t.append(el("tr", {}, el("td", {}, link), el("td", { text: op.opcode }),
            el("td", { class: "mono", text: op.outputs[0] || "" })));
        }
        d.append(t);
      });
      scopes.append(d);
    }
  }
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "1";
})();
