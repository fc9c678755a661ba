/* Tandem agent desk: polls the desk API of the Rasa server it is served from.
 * Everything from customers or packets is inserted as text, never as HTML. */
(function () {
  "use strict";
  const base = location.pathname.replace(/\/?$/, "/"); // .../webhooks/desk/
  const POLL_MS = 500;
  let token = sessionStorage.getItem("tandem_desk_token") || "";
  let selected = null;
  let lastMessage = 0;
  let transcriptShown = false;
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => (k === "class" ? (node.className = v) : node.setAttribute(k, v)));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function api(method, path, body) {
    const reply = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await reply.json().catch(() => ({}));
    if (reply.status === 401) { signOut(); throw new Error(data.message || "Signed out"); }
    if (!reply.ok) throw new Error(data.message || `HTTP ${reply.status}`);
    return data;
  }

  function signOut() {
    token = "";
    sessionStorage.removeItem("tandem_desk_token");
    $("desk-main").hidden = true;
    $("desk-login-form").hidden = false;
  }

  function minutes(seconds) {
    return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)} min`;
  }

  function renderQueue(data) {
    $("desk-agent").textContent = `Signed in as ${data.agent.name}`;
    $("desk-queue-count").textContent = `(${data.handoffs.length})`;
    const list = $("desk-queue");
    list.replaceChildren();
    data.handoffs.forEach((h) => {
      const card = el("div", { class: "desk-handoff" + (h.id === selected ? " selected" : ""), "data-id": h.id, "data-priority": h.priority, tabindex: "0", role: "button" });
      const head = el("div");
      head.append(el("span", { class: `pill ${h.priority}` }, h.priority), el("span", { class: "pill" }, h.queue), el("span", { class: "pill" }, h.reason));
      if (h.tier) head.append(el("span", { class: "pill" }, h.tier));
      card.append(head, el("div", {}, h.summary.goal || h.explanation || ""));
      const state = h.status === "queued" ? `waiting ${minutes(h.waiting_seconds)}` + (h.after_hours ? " · after hours" : "") : `with ${h.agent_name}`;
      card.append(el("small", { class: "muted" }, state));
      const open = () => select(h.id);
      card.addEventListener("click", open);
      card.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
      list.append(card);
    });
  }

  function field(dl, label, value) {
    if (value === undefined || value === null || value === "") return;
    dl.append(el("dt", {}, label), el("dd", {}, value));
  }

  function renderPacket(h) {
    const p = h.packet || {};
    const box = $("desk-packet");
    box.replaceChildren();
    const s = p.summary || {};
    const reason = p.reason || {};
    const dl = el("dl");
    field(dl, "Why now", reason.explanation);
    const risk = p.risk;
    if (risk) {
      // The risk the catalogue (data/risks.yml) matched, the team it belongs to and the customer's own words.
      const deadline = risk.respond_by ? ` · respond by ${risk.respond_by.slice(0, 10)}` : "";
      field(dl, "Risk", `${risk.name.replace(/_/g, " ")} → ${risk.team} team (${risk.matched_by})${deadline}`);
      field(dl, "Evidence", `“${risk.evidence}”`);
      field(dl, "Legal clock", risk.statutory_note);
      if (risk.gentle) field(dl, "Handle with care", "The customer may be in a difficult situation.");
    }
    field(dl, "Priority / queue", `${h.priority} · ${h.queue}`);
    field(dl, "Status", h.status + (h.agent_name ? ` (${h.agent_name})` : ""));
    field(dl, "Goal", s.goal);
    field(dl, "What happened", s.what_happened);
    field(dl, "Tried", s.tried);
    field(dl, "Open question", s.open_question);
    field(dl, "Next step", s.suggested_next_step);
    const customer = p.customer || {};
    field(dl, "Customer", [customer.id, customer.tier, customer.locale, p.channel].filter(Boolean).join(" · "));
    field(dl, "Follow-up email", h.follow_up_email);
    const intents = (p.intents || []).map((i) => `${i.name} ${Math.round((i.confidence || 0) * 100)}%`).join(", ");
    field(dl, "Intents", intents);
    const entities = (p.entities || []).map((e) => `${e.entity}: ${e.value}`).join(", ");
    field(dl, "Details given", entities);
    const articles = (p.articles_shown || []).map((a) => `${a.title} (${a.verdict})`).join("; ");
    field(dl, "Articles shown", articles);
    if (p.sentiment) field(dl, "Sentiment", `${p.sentiment.trend} (latest ${Number(p.sentiment.latest || 0).toFixed(2)})`);
    field(dl, "Satisfaction", h.satisfaction);
    box.append(dl);
    (p.urgent_words || []).forEach((w) => box.append(el("div", { class: "urgent" }, `“${w}”`)));
    $("desk-claim").disabled = h.status !== "queued";
    const closable = h.status === "queued" || (h.status === "assigned" && h.mine);
    $("desk-resolve").disabled = !closable;
    $("desk-handback").disabled = !closable;
  }

  function addMessage(kind, author, text, at) {
    const node = el("div", { class: `desk-msg ${kind}` });
    node.append(el("small", {}, `${author || kind}${at ? " · " + new Date(at).toLocaleTimeString() : ""}`), el("span", {}, text));
    $("desk-chat").append(node);
    $("desk-chat").scrollTop = $("desk-chat").scrollHeight;
  }

  async function refreshDetail() {
    if (!selected) return;
    const data = await api("GET", `handoffs/${encodeURIComponent(selected)}?after=${lastMessage}`);
    renderPacket(data.handoff);
    if (!transcriptShown) {
      transcriptShown = true;
      (data.handoff.packet.transcript || []).forEach((m) => addMessage(m.from === "customer" ? "customer" : m.from === "agent" ? "agent" : "bot", m.from, m.text, m.at));
    }
    data.messages.forEach((m) => {
      lastMessage = Math.max(lastMessage, m.id);
      addMessage(m.kind, m.kind === "customer" ? "customer" : m.author, m.text, m.at);
    });
  }

  async function select(id) {
    selected = id;
    lastMessage = 0;
    transcriptShown = false;
    $("desk-chat").replaceChildren();
    $("desk-empty").hidden = true;
    $("desk-detail").hidden = false;
    document.querySelectorAll(".desk-handoff").forEach((c) => c.classList.toggle("selected", c.dataset.id === id));
    await refreshDetail().catch(showError);
  }

  function showError(err) { $("desk-error").textContent = err.message; }

  async function act(path, body) {
    $("desk-error").textContent = "";
    try { await api("POST", `handoffs/${encodeURIComponent(selected)}/${path}`, body); await refreshDetail(); await poll(); }
    catch (err) { showError(err); }
  }

  async function poll() {
    if (!token) return;
    try {
      renderQueue(await api("GET", "queue"));
      await refreshDetail();
    } catch (err) { showError(err); }
  }

  $("desk-login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    token = $("desk-token").value.trim();
    try {
      await api("POST", "login");
      sessionStorage.setItem("tandem_desk_token", token);
      start();
    } catch (err) { $("desk-login-error").textContent = err.message; }
  });
  $("desk-claim").addEventListener("click", () => act("claim"));
  $("desk-resolve").addEventListener("click", () => act("resolve"));
  $("desk-handback").addEventListener("click", () => act("handback"));
  $("desk-reply-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("desk-reply-input").value.trim();
    if (!text) return;
    $("desk-reply-input").value = "";
    act("messages", { text });
  });
  $("desk-note-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("desk-note-input").value.trim();
    if (!text) return;
    $("desk-note-input").value = "";
    act("notes", { text });
  });

  let timer = null;
  function start() {
    $("desk-login-form").hidden = true;
    $("desk-main").hidden = false;
    poll();
    clearInterval(timer);
    timer = setInterval(poll, POLL_MS);
  }

  if (token) start(); else signOut();
})();
