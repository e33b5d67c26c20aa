/*
 * status.js: the lshook status page.  Asks for the shared secret (kept in
 * sessionStorage only), fetches ../hooks/status.fcgi with it as a Bearer
 * token and draws what it answers.  Every value from the answer goes into
 * the page as text, never as HTML.
 */
"use strict";

(function () {
  var ENDPOINT = "../hooks/status.fcgi";
  var KEY = "lshook-status-secret";
  var REFRESH_MS = 30000;
  var KINDS = ["tasks", "annotations", "projects", "training", "ignored"];
  var timer = null;

  function $(id) { return document.getElementById(id); }

  /* el("td", {class: "num"}, "12", child...): an element with text or nodes. */
  function el(tag, attrs) {
    var node = document.createElement(tag), i, k, c;
    for (k in attrs || {}) {
      if (k === "style") node.style.cssText = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    for (i = 2; i < arguments.length; i++) {
      c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag), k;
    for (k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }

  function fill(id, node) {
    var box = $(id);
    box.textContent = "";
    box.appendChild(node);
  }

  function famColor(f) { return "var(--" + (KINDS.indexOf(f) >= 0 ? f : "ignored") + ")"; }

  function famBadge(f) {
    return el("span", { class: "fam", style: "--c:" + famColor(f || "ignored") }, f || "none");
  }

  /* "2026-11-26T18:26:47.978609Z" -> "2026-11-26 18:26:47 UTC" */
  function when(t) {
    if (!t) return "never";
    return String(t).replace("T", " ").replace(/\.\d+Z$|Z$/, "") + " UTC";
  }

  function bytes(n) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + " " + u[i];
  }

  function table(head, rows, empty) {
    if (!rows.length) return el("p", { class: "empty" }, empty);
    var t = el("table"), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    t.appendChild(el("thead", null, tr));
    var body = el("tbody");
    rows.forEach(function (cells) {
      var r = el("tr");
      cells.forEach(function (c) { r.appendChild(c instanceof Node && c.tagName === "TD" ? c : el("td", null, c)); });
      body.appendChild(r);
    });
    t.appendChild(body);
    return t;
  }

  /* --- sections ---------------------------------------------------------- */

  function tiles(s) {
    var box = $("tiles");
    box.textContent = "";
    function tile(name, count, last, color, id) {
      box.appendChild(el("div", { class: "tile", style: "--c:" + color, id: "tile-" + id },
        el("div", { class: "name" }, name),
        el("div", { class: "count", id: "count-" + id }, count),
        el("div", { class: "last" }, last)));
    }
    ["tasks", "annotations", "projects", "training"].forEach(function (f) {
      var v = s.families[f] || { count: 0, last_at: null };
      tile(f, v.count, v.last_at ? "last " + when(v.last_at) : "none yet", famColor(f), f);
    });
    tile("ignored", s.ignored.count, s.ignored.last_at ? "last " + when(s.ignored.last_at) : "none yet", famColor("ignored"), "ignored");
    tile("duplicates", s.duplicates, "not stored again", "#5b6475", "duplicates");
    tile("errors", s.errors, s.recent_errors.length ? "last " + when(s.recent_errors[0].time) : "none",
      s.errors ? "var(--bad)" : "#5b6475", "errors");
  }

  function chart(byHour) {
    var W = 960, H = 240, L = 40, R = 10, T = 10, B = 28;
    var box = $("chart"), legend = $("legend");
    var hours = (byHour.tasks || []).map(function (p) { return p[0]; });
    var n = hours.length || 48, max = 0, i;
    box.textContent = "";
    legend.textContent = "";
    for (i = 0; i < n; i++) {
      var sum = 0;
      KINDS.forEach(function (k) { sum += byHour[k] ? byHour[k][i][1] : 0; });
      max = Math.max(max, sum);
    }
    var top = max <= 4 ? 4 : Math.ceil(max / 4) * 4;
    var ph = H - T - B, slot = (W - L - R) / n, bw = Math.max(2, slot * 0.72);
    for (i = 0; i <= 4; i++) {
      var y = T + ph - ph * i / 4;
      box.appendChild(svg("line", { class: i ? "grid" : "axis", x1: L, x2: W - R, y1: y, y2: y }));
      var lab = svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" });
      lab.textContent = String(top * i / 4);
      box.appendChild(lab);
    }
    for (i = 0; i < n; i++) {
      var x = L + i * slot + (slot - bw) / 2, base = T + ph;
      KINDS.forEach(function (k) {
        var v = byHour[k] ? byHour[k][i][1] : 0;
        if (!v) return;
        var h = ph * v / top;
        base -= h;
        var r = svg("rect", { class: "bar", "data-family": k, x: x.toFixed(1), y: base.toFixed(1),
          width: bw.toFixed(1), height: Math.max(h, 1).toFixed(1), rx: 1.5, fill: famColor(k) });
        var tip = svg("title", {});
        tip.textContent = when(hours[i]).replace(":00 UTC", " UTC") + ": " + v + " " + k;
        r.appendChild(tip);
        box.appendChild(r);
      });
      if (i % 6 === 0 || i === n - 1) {
        var t = svg("text", { x: (L + i * slot + slot / 2).toFixed(1), y: H - 8, "text-anchor": "middle" });
        t.textContent = String(hours[i] || "").slice(11, 16) || "";
        if (i === 0 || hours[i].slice(11, 13) === "00") t.textContent = String(hours[i]).slice(5, 10) + " " + t.textContent;
        box.appendChild(t);
      }
    }
    KINDS.forEach(function (k) {
      legend.appendChild(el("span", null, el("i", { style: "background:" + famColor(k) }), k));
    });
    if (!max) legend.appendChild(el("span", null, "no events in the last 48 hours"));
  }

  function events(list) {
    fill("events", table(["received", "action", "family", "project", "outcome", "id"],
      list.map(function (e) {
        return [when(e.received_at), e.action || "(none)", el("td", null, famBadge(e.family)),
          e.project_id === null ? "–" : e.project_id, e.outcome || "",
          el("td", { class: "id", title: e.id }, e.id)];
      }), "No events recorded yet."));
  }

  function chips(labels, cls) {
    var span = el("span");
    labels.forEach(function (l) { span.appendChild(el("span", { class: "chip " + (cls(l) || "") }, l.text, l.n ? el("b", null, l.n) : null)); });
    return span;
  }

  function control(name, c) {
    var used = c.counts || {}, declared = c.declared || [], seen = {}, total = 0, k;
    for (k in used) total += used[k];
    var decl = declared.map(function (d) {
      var n = (used[d.value] || 0) + (d.alias && d.alias !== d.value ? used[d.alias] || 0 : 0);
      seen[d.value] = 1;
      if (d.alias) seen[d.alias] = 1;
      return { text: d.alias ? d.value + " (" + d.alias + ")" : d.value, n: n };
    });
    var undecl = (c.undeclared || []).map(function (l) { return { text: l, n: used[l] || 0 }; });
    return [el("td", null, el("b", null, name), el("div", { class: "last" }, (c.type || "") + (c.target ? " → " + c.target : ""))),
      el("td", null, decl.length ? chips(decl, function (l) { return l.n ? "" : "unused"; }) : el("span", { class: "empty" }, "none")),
      el("td", { class: "num" }, total),
      el("td", null, undecl.length ? chips(undecl, function () { return "undeclared"; }) : el("span", { class: "empty" }, "none"))];
  }

  function projects(p) {
    var box = el("div"), ids = Object.keys(p);
    ids.sort(function (a, b) { return Number(a) - Number(b); });
    ids.forEach(function (id) {
      var o = p[id].ontology, rows = [];
      if (o && o.controls) Object.keys(o.controls).sort().forEach(function (n) { rows.push(control(n, o.controls[n])); });
      box.appendChild(el("div", { class: "project" }, el("h3", null, "Project " + id),
        table(["control", "declared (uses)", "results", "used, not declared"], rows, "No labels known yet.")));
    });
    if (!ids.length) box.appendChild(el("p", { class: "empty" }, "No project has declared or used a label yet."));
    fill("projects", box);
  }

  function training(list) {
    fill("training", table(["received", "action", "project", "reason"],
      list.map(function (t) {
        return [when(t.received_at), t.action || "?", t.project_id === undefined || t.project_id === null ? "–" : t.project_id,
          t.reason ? t.reason + (t.count ? " (" + t.count + ")" : "") : "Start Training"];
      }), "No training requests."));
  }

  function errors(list) {
    fill("errors", table(["time", "handler", "status", "message"],
      list.map(function (e) {
        return [when(e.time), e.handler, el("td", { class: "num" }, e.status),
          e.message + (e.detail ? ": " + e.detail : "")];
      }), "No errors answered."));
  }

  function disk(d) {
    if (!d) { fill("disk", el("p", { class: "empty" }, "Unknown.")); return; }
    var used = d.total_bytes - d.free_bytes, pct = d.total_bytes ? used / d.total_bytes * 100 : 0;
    var low = d.free_bytes < 1024 * 1024 * 1024 || pct > 90;
    fill("disk", el("div", null,
      el("div", null, el("b", null, bytes(d.free_bytes)), " free of " + bytes(d.total_bytes) + " in the data directory's file system"),
      el("div", { class: "diskbar" + (low ? " low" : "") }, el("div", { style: "width:" + pct.toFixed(1) + "%" })),
      el("div", { class: "last" }, pct.toFixed(1) + " % used")));
  }

  function config(c) {
    var dl = el("dl", { class: "kv" }), k;
    for (k in c) {
      if (k === "commands" || k === "secrets") continue;
      var v = c[k], dd = el("dd");
      if (k === "LSHOOK_SECRET") {
        dd.appendChild(el("span", { class: "mask" }, v));
        dd.appendChild(document.createTextNode("  " + c.secrets + (c.secrets === 1 ? " secret" : " secrets")));
      } else dd.textContent = v === null ? "–" : String(v);
      dl.appendChild(el("dt", null, k));
      dl.appendChild(dd);
    }
    for (k in c.commands || {}) {
      dl.appendChild(el("dt", null, k));
      dl.appendChild(el("dd", null, el("code", null, JSON.stringify(c.commands[k]))));
    }
    fill("config", dl);
  }

  /* --- flow ----------------------------------------------------------------- */

  function show(which) {
    $("login").hidden = which !== "login";
    $("dashboard").hidden = which !== "dashboard";
    $("actions").hidden = which !== "dashboard";
  }

  function message(text) {
    $("message").textContent = text || "";
    $("message").hidden = !text;
  }

  function render(s) {
    $("meta").textContent = "version " + s.version + " · as of " + when(s.now);
    tiles(s);
    chart(s.by_hour || {});
    events(s.recent || []);
    projects(s.projects || {});
    training(s.training || []);
    errors(s.recent_errors || []);
    disk(s.disk);
    config(s.config || {});
    show("dashboard");
  }

  function loginError(text) {
    sessionStorage.removeItem(KEY);
    clearInterval(timer);
    timer = null;
    show("login");
    $("login-error").textContent = text;
    $("login-error").hidden = false;
    $("secret").focus();
  }

  function load() {
    var secret = sessionStorage.getItem(KEY);
    if (!secret) { show("login"); $("secret").focus(); return; }
    fetch(ENDPOINT, { headers: { "Authorization": "Bearer " + secret, "Accept": "application/json" },
      credentials: "omit", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) {
          loginError("The secret was not accepted (401). Check it against LSHOOK_SECRET and try again.");
          return null;
        }
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (b) {
            throw new Error("The status endpoint answered " + r.status + (b && b.error ? ": " + b.error : "") + ".");
          });
        }
        return r.json();
      })
      .then(function (s) {
        if (!s) return;
        message("");
        render(s);
        if (!timer) timer = setInterval(load, REFRESH_MS);
      })
      .catch(function (e) { message((e && e.message) || "The status endpoint cannot be reached."); });
  }

  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $("secret").value.trim());
    $("secret").value = "";
    $("login-error").hidden = true;
    load();
  });
  $("refresh").addEventListener("click", load);
  $("logout").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    clearInterval(timer);
    timer = null;
    $("meta").textContent = "";
    show("login");
  });
  load();
})();
