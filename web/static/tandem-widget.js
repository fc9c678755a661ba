/*
 * Tandem chat widget: a floating launcher and chat panel that talks to Rasa 3.6's
 * socket.io channel (SocketIOInput with session_persistence). Embed with one tag:
 *
 *   <script src="https://HOST/static/tandem-widget.js" data-socket-url="https://bot.example"
 *           data-title="Acme Store support" data-customer-tier="vip" async></script>
 *
 * Plain ES2017, no dependencies besides socket.io-client's browser build, which is
 * loaded from ./vendor/socket.io.min.js next to this file when window.io is missing.
 * All UI text comes from data- attributes (English defaults for the chrome only); bot
 * and agent text is only ever inserted as text nodes, never as HTML.
 */
(() => {
  "use strict";
  if (window.TandemWidget) return; // embedded twice: the first instance wins

  // document.currentScript is only set while this file first runs (async included).
  const script = document.currentScript || document.querySelector('script[src*="tandem-widget"]');
  const data = (script && script.dataset) || {};
  const cfg = {
    socketUrl: data.socketUrl || "http://localhost:5005",
    socketPath: data.socketPath || "/socket.io/",
    socketioSrc: data.socketioSrc || new URL("vendor/socket.io.min.js", script ? script.src : location.href).href,
    title: data.title || "Support",
    tier: data.customerTier || undefined,
    humanPayload: data.humanPayload || "/request_human",
    // Sent once (no bubble) when an empty chat is opened: the welcome and its suggested topics (domain.yml).
    initPayload: data.initPayload === undefined ? "/greet" : data.initPayload,
    restartPayload: data.restartPayload || "/restart",
    text: {
      launcher: data.launcherLabel || "Open chat",
      close: data.closeLabel || "Close chat",
      send: data.sendLabel || "Send",
      placeholder: data.placeholder || "Type a message…",
      human: data.humanLabel || "Talk to a person",
      restart: data.restartLabel || "New conversation",
      restartShort: data.restartShortLabel || "New chat",
      notSent: data.notSentText || "Not sent yet: it goes out when the connection is back.",
      retry: data.retryLabel || "Retry now",
      agent: data.agentLabel || "{name} (support agent)",
      agentAnonymous: data.agentAnonymousLabel || "Support agent",
      typing: data.typingLabel || "The assistant is typing",
      offline: data.offlineText || "Connection lost. Reconnecting…",
      log: data.logLabel || "Conversation",
    },
  };
  const MAX_ENTRIES = 200; // transcript cap, keeps localStorage small
  const MAX_CHARS = 2000; // same limit as the REST channel (connectors/rest.py)
  const TYPING_TIMEOUT_MS = 15000;
  const DUPLICATE_WINDOW_MS = 3000;
  const TAB = uuid(); // identifies this page load in the shared transcript

  /* ---------- storage: localStorage shared by tabs, in-memory fallback ---------- */

  // localStorage can be missing or throw (privacy modes, quota); the widget must still work.
  const memory = new Map();
  let ls = null;
  try { ls = window.localStorage; ls.getItem("tandem_session_id"); } catch (_) { ls = null; }
  const store = {
    get(key) {
      if (ls) try { return ls.getItem(key); } catch (_) { ls = null; }
      return memory.has(key) ? memory.get(key) : null;
    },
    set(key, value) {
      memory.set(key, value);
      if (ls) try { ls.setItem(key, value); } catch (_) { ls = null; }
    },
    json(key, fallback) {
      try { return JSON.parse(store.get(key)) || fallback; } catch (_) { return fallback; }
    },
  };

  // Shared by all tabs, so a reload or a second tab continues the same Rasa conversation.
  const sessionId = store.get("tandem_session_id") || uuid();
  store.set("tandem_session_id", sessionId);
  const transcriptKey = `tandem_transcript_${sessionId}`;
  const handoffKey = `tandem_handoff_${sessionId}`;
  const lastSeenKey = `tandem_last_seen_${sessionId}`;
  const lastSeen = () => Number(store.get(lastSeenKey)) || 0;
  let replayFloor = 0;

  function uuid() {
    // randomUUID exists only in secure contexts (https, localhost); plain-http pages need the fallback.
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /* ---------- DOM helpers ---------- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    children.forEach((c) => c && node.append(c));
    return node;
  }

  function icon(path) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "currentColor");
    svg.append(p);
    return svg;
  }

  function isHttpUrl(value) {
    try {
      return /^https?:$/.test(new URL(value, location.href).protocol);
    } catch (_) {
      return false;
    }
  }

  // Text nodes escape everything by construction; only http(s) URLs become (inert) links.
  const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
  function richText(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    text.replace(URL_RE, (match, offset) => {
      const url = match.replace(/[.,;:!?)\]]+$/, ""); // trailing punctuation ends the sentence, not the URL
      frag.append(text.slice(last, offset), el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = offset + url.length;
      return match;
    });
    frag.append(text.slice(last));
    return frag;
  }

  /* ---------- styles (every selector is tandem- prefixed) ---------- */

  const CSS = `
.tandem-root{--tandem-accent:#1f5fbf;--tandem-agent:#0b7a5a;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24}
.tandem-root *,.tandem-root *::before,.tandem-root *::after{box-sizing:border-box}
.tandem-root button{font:inherit;cursor:pointer;margin:0}
.tandem-root :focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.tandem-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;background:var(--tandem-accent);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}
.tandem-launcher svg{width:28px;height:28px}
.tandem-launcher.tandem-unread::after{content:"";position:absolute;top:4px;right:4px;width:14px;height:14px;border-radius:50%;background:#e5484d;border:2px solid #fff}
.tandem-panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:400px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 108px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}
.tandem-panel[hidden],.tandem-status[hidden]{display:none}
.tandem-header{display:flex;align-items:center;gap:8px;padding:10px 8px 10px 14px;background:var(--tandem-accent);color:#fff}
.tandem-title{flex:1;min-width:0;font-weight:600;line-height:1.2;overflow-wrap:anywhere} /* wraps, never cut off */
.tandem-human{flex:none;border:1px solid rgba(255,255,255,.8);background:transparent;color:#fff;border-radius:999px;padding:4px 10px;font-size:13px;white-space:nowrap}
.tandem-human:hover{background:rgba(255,255,255,.15)}
.tandem-close{flex:none;border:0;background:transparent;color:#fff;font-size:24px;line-height:1;width:34px;height:34px;border-radius:6px}
.tandem-body{flex:1;min-height:0;overflow-y:auto;overflow-x:hidden;padding:12px;background:#f5f7fa}
.tandem-log{display:flex;flex-direction:column;gap:8px}
.tandem-msg{display:flex;flex-direction:column;align-items:flex-start;max-width:85%}
.tandem-msg.tandem-user{align-self:flex-end;align-items:flex-end}
.tandem-bubble{padding:8px 12px;border-radius:14px;background:#fff;border:1px solid #dde3ea;white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}
.tandem-bubble a{color:inherit;text-decoration:underline}
.tandem-user .tandem-bubble{background:var(--tandem-accent);border-color:transparent;color:#fff}
.tandem-agent .tandem-bubble{background:#e7f6ef;border:1px solid var(--tandem-agent);border-left-width:4px}
.tandem-time{display:block;font-size:11px;color:#5b6573;margin:2px 4px 0}
.tandem-user .tandem-time{text-align:right}
.tandem-pending{font-size:12px;color:#8a4b00;margin:2px 4px 0;text-align:right}
.tandem-pending button{margin-left:6px;font:inherit;text-decoration:underline;background:none;border:0;color:inherit;cursor:pointer}
.tandem-restart{flex:none;white-space:nowrap;font:inherit;font-size:13px;background:none;border:1px solid rgba(255,255,255,.6);color:inherit;border-radius:6px;padding:2px 8px;cursor:pointer}
.tandem-label{font-size:12px;font-weight:600;color:var(--tandem-agent);margin:0 0 2px 4px}
.tandem-image{display:block;max-width:100%;height:auto;border-radius:10px;margin-top:4px}
.tandem-buttons{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px;max-width:100%}
.tandem-buttons button,.tandem-buttons a{border:1px solid var(--tandem-accent);background:#fff;color:var(--tandem-accent);border-radius:999px;padding:5px 12px;font-size:14px;text-decoration:none;max-width:100%;overflow-wrap:anywhere;text-align:left}
.tandem-buttons button:hover,.tandem-buttons a:hover{background:var(--tandem-accent);color:#fff}
.tandem-typing{display:flex;gap:4px;padding:10px 4px}
.tandem-typing i{width:8px;height:8px;border-radius:50%;background:#8a94a3;animation:tandem-blink 1.2s infinite}
.tandem-typing i:nth-of-type(2){animation-delay:.2s}
.tandem-typing i:nth-of-type(3){animation-delay:.4s}
@keyframes tandem-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){.tandem-typing i{animation:none;opacity:.6}}
.tandem-status{padding:6px 12px;font-size:13px;background:#fff8e1;border-top:1px solid #f0e2b6;overflow-wrap:anywhere}
.tandem-status[data-state="offline"]{background:#fdecec;border-color:#f3c5c5}
.tandem-form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde3ea;background:#fff}
.tandem-input{flex:1;min-width:0;border:1px solid #c5ced9;border-radius:8px;padding:9px 10px;font:inherit;font-size:16px;color:inherit;background:#fff}
.tandem-send{flex:none;border:0;border-radius:8px;background:var(--tandem-accent);color:#fff;width:44px;display:flex;align-items:center;justify-content:center}
.tandem-send svg{width:20px;height:20px}
.tandem-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:480px){.tandem-panel{top:0;right:0;bottom:0;left:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}}
`;

  /* ---------- UI ---------- */

  const log = el("div", { class: "tandem-log", role: "log", "aria-live": "polite", "aria-label": cfg.text.log });
  const typing = el("div", { class: "tandem-typing", role: "status" },
    el("span", { class: "tandem-sr", text: cfg.text.typing }), el("i"), el("i"), el("i"));
  const body = el("div", { class: "tandem-body" }, log);
  const status = el("div", { class: "tandem-status", role: "status", hidden: true });
  const input = el("input", {
    id: "tandem-input", class: "tandem-input", type: "text", autocomplete: "off", maxlength: MAX_CHARS,
    placeholder: cfg.text.placeholder, "aria-label": cfg.text.placeholder,
  });
  const launcher = el("button", {
    id: "tandem-launcher", class: "tandem-launcher", type: "button", "aria-label": cfg.text.launcher,
    "aria-controls": "tandem-panel", "aria-expanded": "false", onclick: () => (panel.hidden ? open() : close()),
  }, icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"));
  const panel = el("section", { id: "tandem-panel", class: "tandem-panel", role: "dialog", "aria-labelledby": "tandem-title", hidden: true },
    el("div", { class: "tandem-header" },
      el("div", { id: "tandem-title", class: "tandem-title", text: cfg.title }),
      el("button", { id: "tandem-human", class: "tandem-human", type: "button", "aria-label": cfg.text.human, text: cfg.text.human,
        onclick: () => send(cfg.humanPayload, cfg.text.human) }),
      el("button", { id: "tandem-restart", class: "tandem-restart", type: "button", "aria-label": cfg.text.restart,
        text: cfg.text.restartShort, title: cfg.text.restart, onclick: () => restart() }),
      el("button", { class: "tandem-close", type: "button", "aria-label": cfg.text.close, text: "×", onclick: () => close() })),
    body,
    status,
    el("form", { class: "tandem-form", onsubmit: (ev) => { ev.preventDefault(); send(input.value); input.value = ""; } },
      input,
      el("button", { id: "tandem-send", class: "tandem-send", type: "submit", "aria-label": cfg.text.send },
        icon("M3 20.5 21 12 3 3.5 3 10l12 2-12 2z"))));
  const root = el("div", { class: "tandem-root" }, launcher, panel);
  root.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !panel.hidden) { ev.stopPropagation(); close(); }
  });
  let initSent = false;

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.classList.remove("tandem-unread");
    connect();
    if (cfg.initPayload && !initSent && !loadTranscript().length) {
      initSent = true;
      transmit(cfg.initPayload);
    }
    scrollDown();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function scrollDown() {
    body.scrollTop = body.scrollHeight;
  }

  let typingTimer = 0;
  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.remove(); // removed rather than hidden, so ".tandem-typing" exists only while shown
    if (on) {
      body.append(typing);
      typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
      scrollDown();
    }
  }

  /* ---------- transcript: append-only list of normalized entries ---------- */

  const rendered = new Set(); // ids of entries already handled by renderNew
  const shown = []; // entries on screen, for spotting copies
  const loadTranscript = () => store.json(transcriptKey, []);
  const signature = (e) => JSON.stringify([e.from, e.text, e.agent, e.image, e.buttons]);

  // Every tab of the session sits in the same socket.io room, so each receives every bot
  // message and records it in the shared transcript. localStorage has no atomic update, so
  // copies are told apart when stored and again when shown: a copy is the same bot message
  // recorded by another tab moments apart, with no user message in between (asking the
  // same thing again always puts a user message in between).
  function isCopy(e, others) {
    if (e.from === "user") return false;
    const sig = signature(e);
    return others.some((o) => o.tab !== e.tab && Math.abs(e.t - o.t) < DUPLICATE_WINDOW_MS && signature(o) === sig &&
      !others.some((u) => u.from === "user" && u.t > Math.min(o.t, e.t) && u.t < Math.max(o.t, e.t)));
  }

  function record(entry) {
    Object.assign(entry, { id: uuid(), tab: TAB, t: Date.now() });
    const list = loadTranscript();
    if (!isCopy(entry, list)) {
      list.push(entry);
      store.set(transcriptKey, JSON.stringify(list.slice(-MAX_ENTRIES)));
    }
    renderNew(list.concat(entry)); // renderNew skips it if it is a copy of a shown entry
  }

  // Only entries not yet on screen are appended, so the aria-live log announces just those.
  function renderNew(list) {
    list.forEach((entry) => {
      if (!entry || rendered.has(entry.id)) return;
      rendered.add(entry.id);
      if (isCopy(entry, shown)) return;
      shown.push(entry);
      log.append(renderEntry(entry));
    });
    scrollDown();
  }

  // "Sam (support agent)"; a person without a name, or named like the label itself, is shown once.
  function agentLabel(name) {
    const plain = String(name || "").trim();
    if (!plain || plain.toLowerCase() === cfg.text.agentAnonymous.toLowerCase()) return cfg.text.agentAnonymous;
    return cfg.text.agent.replace("{name}", () => plain);
  }

  const pendingNotes = new Map(); // user entry id -> its "not sent yet" note
  function pendingNote(e) {
    const note = el("div", { class: "tandem-pending", role: "status" },
      el("span", { text: cfg.text.notSent }),
      el("button", { type: "button", class: "tandem-retry", text: cfg.text.retry, onclick: () => { connecting = null; connect(); } }));
    pendingNotes.set(e.id, note);
    return note;
  }
  function markSent() {
    pendingNotes.forEach((note) => note.remove());
    pendingNotes.clear();
  }

  function renderEntry(e) {
    const node = el("div", { class: `tandem-msg tandem-${e.from}` });
    if (e.from === "agent") {
      node.append(el("div", { class: "tandem-label", text: agentLabel(e.agent) }));
    }
    if (e.text) node.append(el("div", { class: "tandem-bubble" }, richText(String(e.text))));
    if (e.image) node.append(el("img", { class: "tandem-image", src: e.image, alt: e.alt || "", loading: "lazy" }));
    if (e.t) {
      const at = new Date(e.t);
      node.append(el("time", { class: "tandem-time", datetime: at.toISOString(),
        text: at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
    }
    if (e.pending && e.tab === TAB) node.append(pendingNote(e)); // a reload finds it sent or re-sent
    if (e.buttons && e.buttons.length) {
      node.append(el("div", { class: "tandem-buttons", role: "group" }, ...e.buttons.map((b) => (b.url
        ? el("a", { href: b.url, target: "_blank", rel: "noopener noreferrer", text: b.title })
        : el("button", { type: "button", "aria-label": b.title, text: b.title, onclick: () => send(b.payload, b.title) })))));
    }
    return node;
  }

  // Reduce Rasa's message shapes (text, quick_replies, buttons, image / generic template
  // attachments, agent metadata) to one entry; null if there is nothing to show.
  function fromBot(msg) {
    if (!msg || typeof msg !== "object") return null;
    const meta = msg.metadata && typeof msg.metadata === "object" ? msg.metadata : {};
    const agentName = meta.agent_name || msg.agent_name;
    const entry = { from: meta.sender === "agent" || agentName ? "agent" : "bot" };
    if (entry.from === "agent") entry.agent = String(agentName || "");
    const texts = typeof msg.text === "string" && msg.text ? [msg.text] : [];
    let buttons = [].concat(msg.quick_replies || [], msg.buttons || []);
    const att = msg.attachment && typeof msg.attachment === "object" ? msg.attachment : null;
    const payload = (att && att.payload) || {};
    let image = msg.image || (att && att.type === "image" && payload.src);
    if (payload.template_type === "generic") {
      [].concat(payload.elements || []).forEach((item) => {
        if (!item) return;
        texts.push([item.title, item.subtitle].filter(Boolean).join("\n"));
        image = image || item.image_url;
        buttons = buttons.concat(item.buttons || []);
      });
    } else if (att && !image && (payload.src || payload.url)) {
      texts.push(String(payload.src || payload.url)); // video/file: shown as a link
    }
    entry.text = texts.filter(Boolean).join("\n\n");
    if (image && isHttpUrl(image)) {
      entry.image = String(image);
      entry.alt = String(payload.alt || payload.title || "");
    }
    entry.buttons = buttons.filter((b) => b && b.title).map((b) => (b.type === "web_url" && isHttpUrl(b.url)
      ? { title: String(b.title), url: String(b.url) }
      : { title: String(b.title), payload: String(b.payload || b.title) }));
    return entry.text || entry.image || entry.buttons.length ? entry : null;
  }

  /* ---------- handoff / connection status line ---------- */

  let handoff = store.json(handoffKey, null);
  let offline = false;

  function renderStatus() {
    // Handoff texts come from the server (localized there); only the offline notice is chrome.
    const text = offline ? cfg.text.offline : (handoff && typeof handoff.text === "string" && handoff.text) || "";
    status.textContent = text;
    status.hidden = !text;
    status.dataset.state = offline ? "offline" : (handoff && handoff.state) || "";
  }

  /* ---------- socket.io connection ---------- */

  let socket = null;
  let connecting = null;
  let confirmed = false;
  const outbox = []; // user messages waiting for session_confirm

  function loadIo() {
    if (typeof window.io === "function") return Promise.resolve(window.io);
    return new Promise((resolve, reject) => {
      const tag = el("script", { src: cfg.socketioSrc, async: true });
      tag.onload = () => (typeof window.io === "function" ? resolve(window.io) : reject(new Error("socket.io did not define io")));
      tag.onerror = () => reject(new Error(`could not load ${cfg.socketioSrc}`));
      document.head.append(tag);
    });
  }

  function connect() {
    if (connecting) return;
    connecting = loadIo().then((io) => {
      // tryAllTransports: fall back to polling where a proxy blocks websockets.
      socket = io(cfg.socketUrl, { path: cfg.socketPath, transports: ["websocket", "polling"], tryAllTransports: true });
      // Fires again after every reconnect: each new socket must rejoin the session's room.
      // last_seen: the newest bot message this browser has, so the server can send
      // whatever was said while it was away (a closed tab, a dropped connection).
      socket.on("connect", () => {
        replayFloor = lastSeen();
        socket.emit("session_request", { session_id: sessionId, last_seen: replayFloor });
      });
      socket.on("session_confirm", () => {
        confirmed = true;
        offline = false;
        renderStatus();
        outbox.splice(0).forEach((m) => socket.emit("user_uttered", m));
        markSent();
      });
      const goOffline = () => {
        confirmed = false; // a reconnect is a new socket: it must rejoin the room first
        offline = true;
        setTyping(false); // nobody is typing to a page that is not connected
        renderStatus();
      };
      socket.on("disconnect", goOffline);
      socket.on("connect_error", goOffline);
      socket.on("bot_uttered", (msg) => {
        setTyping(false);
        if (msg && typeof msg.timestamp === "number") {
          if (msg.replayed && msg.timestamp <= replayFloor) return; // already on screen
          store.set(lastSeenKey, String(Math.max(lastSeen(), msg.timestamp)));
        }
        const entry = fromBot(msg);
        if (!entry) return;
        record(entry);
        if (panel.hidden) launcher.classList.add("tandem-unread");
      });
      socket.on("handoff_status", (ev) => {
        if (!ev || typeof ev !== "object") return;
        handoff = ev;
        store.set(handoffKey, JSON.stringify(ev));
        renderStatus();
      });
    }).catch((err) => {
      connecting = null; // let the next open()/send() try again
      offline = true;
      renderStatus();
      console.error("[tandem]", err);
    });
  }

  // Sends `text` to Rasa without a bubble (buttons and the init payload use this too).
  function transmit(text) {
    const meta = { page_url: location.href, customer_tier: cfg.tier };
    // Rasa reads the key named by `metadata_key` in credentials.yml ("metadata" unless set);
    // customData is what the old webchat widgets sent, so both carry the same object.
    const msg = { message: text, session_id: sessionId, customData: meta, metadata: meta };
    if (socket && confirmed) socket.emit("user_uttered", msg);
    else outbox.push(msg);
    connect();
    // While a person has the conversation the bot does not answer: no typing dots.
    const withPerson = handoff && (handoff.state === "waiting" || handoff.state === "connected");
    setTyping(!withPerson && !offline);
  }

  // Shows `label` (default: the text itself) as the user's bubble and sends `text`.
  function send(text, label) {
    const message = String(text === undefined || text === null ? "" : text).trim().slice(0, MAX_CHARS);
    if (!message) return;
    // Not connected: the message waits in the outbox, and says so until it has gone out.
    record({ from: "user", text: String(label || message), pending: !(socket && confirmed) && offline });
    transmit(message);
  }

  // A fresh start: the screen and this session's transcript are cleared, Rasa restarts the
  // conversation (its reply offers the topics again).
  function restart() {
    store.set(transcriptKey, "[]");
    store.set(handoffKey, "null");
    handoff = null;
    renderStatus();
    log.textContent = "";
    rendered.clear();
    shown.length = 0;
    markSent();
    transmit(cfg.restartPayload);
    input.focus();
  }

  /* ---------- mount ---------- */

  // Another tab of the same session wrote the transcript or the handoff state: follow it.
  window.addEventListener("storage", (ev) => {
    if (ev.key === transcriptKey) renderNew(loadTranscript());
    else if (ev.key === handoffKey) {
      handoff = store.json(handoffKey, null);
      renderStatus();
    }
  });

  function mount() {
    document.head.append(el("style", { id: "tandem-style", text: CSS }));
    document.body.append(root);
    const history = loadTranscript();
    renderNew(history);
    renderStatus();
    // An ongoing conversation reconnects at once, so agent replies keep arriving.
    if (history.length) connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();

  window.TandemWidget = { open, close, send, restart };
})();
