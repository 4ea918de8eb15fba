// eventcc attendee chat widget. Served by the chat channel at
// <mount>/widget.js; an event page loads it with one tag:
//
//   <script src="https://host/chat/widget.js" data-service="svc-1"
//           data-token="eventcc_..." defer></script>
//
// data-service (required) names the service; data-token (optional: an
// anonymous visitor without it) is the attendee's session token;
// data-entry chooses an entry point (?entry=); data-title heads the
// panel; data-open="true" opens the panel at load.
//
// It speaks the protocol of the package doc of
// github.com/eventcc/eventcc/modality/chatchannel over one WebSocket at
// <mount>/<service>/chat, derived from this script's own src. Plain
// ES2020, no dependencies, no build step. Everything it adds to the page
// is under #eventcc-root with eventcc- prefixed ids and classes.
(() => {
  "use strict";

  const script = document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-service]');
  if (!script || window.eventccChat) return; // loaded twice: the first wins
  const cfg = {
    service: script.dataset.service || "",
    token: script.dataset.token || "",
    entry: script.dataset.entry || "",
    title: script.dataset.title || "Chat with us",
    open: script.dataset.open === "true",
  };
  if (!cfg.service) {
    console.warn("eventcc chat: the script tag needs data-service");
    return;
  }

  // The socket: <mount>/widget.js -> <mount>/<service>/chat, ws(s).
  const socketURL = (() => {
    const u = new URL(script.src, location.href);
    u.pathname = u.pathname.replace(/widget\.js$/, encodeURIComponent(cfg.service) + "/chat");
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.search = "";
    u.hash = "";
    if (cfg.entry) u.searchParams.set("entry", cfg.entry);
    return u.href;
  })();

  const TYPING_EVERY_MS = 3000;  // at most one typing frame per 3 s
  const TYPING_SHOWN_MS = 5000;  // "… is typing" clears after 5 s
  const BACKOFF_MIN_MS = 500;    // reconnect: 0.5 s doubling ...
  const BACKOFF_MAX_MS = 30000;  // ... up to 30 s, with jitter
  const RESEND_MS = 2000;        // unacked messages after a dropped frame
  const KEEP_MESSAGES = 500;     // messages kept in sessionStorage

  // Closed frames' texts when the server sends no message.
  const CLOSED_TEXT = {
    closed: "The contact center is closed.",
    stopped: "The contact center is not taking new conversations.",
    busy: "Nobody can take your conversation right now. Please try again later.",
    unauthorized: "You cannot chat here. Please sign in again.",
    not_found: "This conversation has ended.",
    left: "You ended the chat.",
    replaced: "This chat continued in another window.",
    abandoned: "This chat ended while you were away.",
    error: "Something went wrong and the chat ended.",
    unregistered: "Your registration ended, and with it the chat.",
  };

  // ---- Stored state: {conversation, last_seq, messages, pending, read, open}
  // in sessionStorage, keyed by service, so a reload resumes.

  const storeKey = "eventcc-chat:" + cfg.service;
  const fresh = () => ({ conversation: "", last_seq: 0, messages: [], pending: [], read: 0, open: false });
  let st = fresh();
  try {
    st = Object.assign(fresh(), JSON.parse(sessionStorage.getItem(storeKey) || "{}"));
  } catch (_) { /* storage blocked or garbled: start afresh */ }
  const save = () => {
    st.messages = st.messages.slice(-KEEP_MESSAGES);
    try { sessionStorage.setItem(storeKey, JSON.stringify(st)); } catch (_) { /* private mode */ }
  };
  // forget drops the conversation (it ended) but keeps the panel's state.
  const forget = () => { st = Object.assign(fresh(), { open: st.open }); save(); };

  // ---- DOM

  const css = `
.eventcc-root{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;
  font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f}
.eventcc-root *{box-sizing:border-box;font:inherit;color:inherit}
.eventcc-launcher{display:block;margin-left:auto;padding:12px 18px;border:0;border-radius:24px;
  background:#1f5fbf;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25)}
.eventcc-root button:focus-visible,.eventcc-root input:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.eventcc-panel{display:flex;flex-direction:column;width:min(360px,calc(100vw - 40px));height:min(520px,calc(100vh - 100px));
  margin-bottom:12px;background:#fff;border:1px solid #c8c8cc;border-radius:12px;overflow:hidden;box-shadow:0 4px 24px rgba(0,0,0,.2)}
.eventcc-panel[hidden]{display:none}
.eventcc-head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#1f5fbf;color:#fff}
.eventcc-head h2{flex:1;margin:0;font-size:15px;font-weight:600;color:#fff}
.eventcc-head button{border:0;background:transparent;color:#fff;cursor:pointer;padding:4px 8px;border-radius:6px}
.eventcc-head .eventcc-end{border:1px solid rgba(255,255,255,.6)}
.eventcc-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f6f8}
.eventcc-msg{max-width:85%;padding:8px 10px;border-radius:10px;background:#fff;border:1px solid #e0e0e4;white-space:pre-wrap;overflow-wrap:anywhere}
.eventcc-msg[data-author="attendee"]{align-self:flex-end;background:#dceafe;border-color:#b9d3fb}
.eventcc-msg[data-author="system"]{align-self:center;background:transparent;border:0;color:#555;font-style:italic}
.eventcc-meta{display:block;margin-top:2px;font-size:11px;color:#555}
.eventcc-who{display:block;font-size:12px;font-weight:600;color:#333}
.eventcc-menu{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 8px;background:#f6f6f8}
.eventcc-menu p{flex-basis:100%;margin:0}
.eventcc-option{padding:6px 10px;border:1px solid #1f5fbf;border-radius:16px;background:#fff;color:#1f5fbf;cursor:pointer}
.eventcc-option:disabled{opacity:.5;cursor:default}
.eventcc-info{padding:4px 12px;font-size:12px;color:#444;background:#f6f6f8;min-height:0}
.eventcc-info:empty{display:none}
.eventcc-form{display:flex;gap:6px;padding:8px;border-top:1px solid #e0e0e4}
.eventcc-form input{flex:1;min-width:0;height:40px;padding:8px;border:1px solid #c8c8cc;border-radius:8px;background:#fff}
.eventcc-form input:disabled{background:#eee}
.eventcc-form button{padding:0 14px;border:0;border-radius:8px;background:#1f5fbf;color:#fff;cursor:pointer}
.eventcc-form button:disabled{background:#999;cursor:default}
.eventcc-restart{margin:0 12px 8px;padding:6px 10px;border:1px solid #1f5fbf;border-radius:8px;background:#fff;color:#1f5fbf;cursor:pointer}
.eventcc-restart[hidden]{display:none}
.eventcc-sr-only{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);border:0;white-space:nowrap}`;

  // el makes an element: el("div", {id: "x", class: "y"}, child, "text").
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  };

  const ui = {};
  const build = () => {
    document.head.append(el("style", { id: "eventcc-style" }, css));
    ui.launcher = el("button", { id: "eventcc-launcher", type: "button", class: "eventcc-launcher",
      "aria-expanded": "false", "aria-controls": "eventcc-panel" }, cfg.title);
    ui.close = el("button", { type: "button", "aria-label": "Close chat" }, "\u2715");
    ui.end = el("button", { id: "eventcc-end", type: "button", class: "eventcc-end" }, "End chat");
    ui.log = el("div", { id: "eventcc-log", class: "eventcc-log", role: "log", "aria-live": "polite",
      "aria-label": "Messages", tabindex: "0" });
    ui.menu = el("div", { id: "eventcc-menu", class: "eventcc-menu", role: "group", "aria-label": "Choices" });
    ui.queue = el("div", { id: "eventcc-queue", class: "eventcc-info", role: "status" });
    ui.typing = el("div", { id: "eventcc-typing", class: "eventcc-info", "aria-live": "polite" });
    ui.status = el("div", { id: "eventcc-status", class: "eventcc-info", role: "status" });
    ui.restart = el("button", { id: "eventcc-restart", type: "button", class: "eventcc-restart", hidden: "" }, "Start a new chat");
    ui.input = el("input", { id: "eventcc-input", type: "text", maxlength: "2000",
      placeholder: "Write a message\u2026", autocomplete: "off" });
    ui.send = el("button", { id: "eventcc-send", type: "submit" }, "Send");
    ui.form = el("form", { class: "eventcc-form" },
      el("label", { for: "eventcc-input", class: "eventcc-sr-only" }, "Your message"), ui.input, ui.send);
    ui.panel = el("div", { id: "eventcc-panel", class: "eventcc-panel", role: "dialog", "aria-label": cfg.title,
      "data-state": "idle", hidden: "" },
      el("div", { class: "eventcc-head" }, el("h2", {}, cfg.title), ui.end, ui.close),
      ui.log, ui.menu, ui.queue, ui.typing, ui.status, ui.restart, ui.form);
    ui.root = el("div", { id: "eventcc-root", class: "eventcc-root" }, ui.panel, ui.launcher);
    document.body.append(ui.root);

    ui.launcher.addEventListener("click", () => (ui.panel.hidden ? open() : close()));
    ui.close.addEventListener("click", () => close());
    ui.end.addEventListener("click", leave);
    ui.restart.addEventListener("click", restart);
    // Enter in the input submits the form (implicit submission).
    ui.form.addEventListener("submit", (ev) => { ev.preventDefault(); submit(); });
    ui.input.addEventListener("input", typing);
    ui.panel.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") { ev.preventDefault(); close(); }
    });
    document.addEventListener("visibilitychange", markRead);
    window.addEventListener("online", () => { if (state === "reconnecting") connect(); });
  };

  // ---- The panel

  let state = "idle"; // idle|connecting|open|reconnecting|closed
  const setState = (s, text) => {
    state = s;
    ui.panel.dataset.state = s;
    ui.status.textContent = text === undefined ? "" : text;
    const closed = s === "closed";
    ui.input.disabled = closed;
    ui.send.disabled = closed;
    ui.end.hidden = closed || !st.conversation;
    for (const b of ui.menu.querySelectorAll("button")) b.disabled = s !== "open";
  };

  const open = () => {
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    st.open = true;
    save();
    if (state === "idle") connect();
    (ui.input.disabled ? ui.close : ui.input).focus();
    ui.log.scrollTop = ui.log.scrollHeight;
    markRead();
  };

  const close = () => {
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    st.open = false;
    save();
    ui.launcher.focus();
  };

  const who = (author) => {
    if (author === "attendee") return "You";
    if (author === "receptionist") return "Assistant";
    if (author === "system") return "";
    return author.startsWith("agent:") ? author.slice(6) : author;
  };

  const timeOf = (at) => {
    const d = at ? new Date(at) : null;
    return d && !isNaN(d) ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  };

  const STATUS_TEXT = { pending: "Sending\u2026", sent: "Sent", delivered: "Delivered", read: "Read" };
  const setStatus = (node, status) => {
    node.dataset.status = status;
    node.querySelector(".eventcc-meta").textContent = STATUS_TEXT[status];
  };

  const bySeq = new Map();   // seq -> message element (seq > 0)
  const byCid = new Map();   // client_msg_id -> pending message element

  // render adds a message to the log: m is {seq, author, body, at} or a
  // pending one {client_msg_id, body}.
  const render = (m) => {
    const author = m.author || "attendee";
    const node = el("div", { class: "eventcc-msg", "data-author": author, "data-seq": String(m.seq || 0) });
    const name = who(author);
    if (name && author !== "attendee") node.append(el("span", { class: "eventcc-who" }, name));
    node.append(el("span", { class: "eventcc-body" }, m.body));
    if (author === "attendee") {
      node.append(el("span", { class: "eventcc-meta" }));
      setStatus(node, m.seq ? (m.seq <= st.read ? "read" : "delivered") : "pending");
    } else if (m.at) {
      node.append(el("time", { class: "eventcc-meta", datetime: m.at }, timeOf(m.at)));
    }
    const stick = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
    ui.log.append(node);
    if (stick) ui.log.scrollTop = ui.log.scrollHeight;
    if (m.seq) bySeq.set(m.seq, node);
    if (m.client_msg_id) byCid.set(m.client_msg_id, node);
    return node;
  };

  const showMenu = (f) => {
    ui.menu.replaceChildren();
    // The receptionist says its text as a message too; show it once.
    const said = [...bySeq.values()].pop();
    if (f.text && !(said && said.querySelector(".eventcc-body").textContent === f.text)) {
      ui.menu.append(el("p", {}, f.text));
    }
    for (const o of f.options || []) {
      const b = el("button", { type: "button", class: "eventcc-option", "data-key": o.key }, o.label);
      b.disabled = state !== "open";
      b.addEventListener("click", () => { if (state === "open") send({ type: "choose", key: o.key }); });
      ui.menu.append(b);
    }
  };

  const showQueue = (f) => {
    if (f.position > 0) {
      const min = Math.ceil((f.expected_wait_s || 0) / 60);
      ui.queue.textContent = `You are number ${f.position} in the queue` +
        (min > 0 ? `; expected wait about ${min} min` : "");
    } else {
      ui.queue.textContent = "Waiting for the next available person\u2026";
    }
  };

  let typingTimer = 0;
  const showTyping = (author) => {
    ui.typing.textContent = `${who(author) || "Someone"} is typing\u2026`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { ui.typing.textContent = ""; }, TYPING_SHOWN_MS);
  };

  // ---- The socket

  let ws = null;
  let welcomed = false;   // this socket got its welcome
  let terminal = false;   // a closed frame arrived: no reconnect
  let attempt = 0;        // reconnects since the last welcome
  let retryTimer = 0;
  let resendTimer = 0;
  let lastTypingSent = 0;
  let readSent = 0;
  let resuming = false;   // this socket resumes a stored conversation

  const send = (f) => {
    if (!ws || ws.readyState !== WebSocket.OPEN || !welcomed) return false;
    ws.send(JSON.stringify(f));
    return true;
  };

  const connect = () => {
    clearTimeout(retryTimer);
    if (ws) return;
    terminal = false;
    welcomed = false;
    setState(attempt === 0 ? "connecting" : "reconnecting", attempt === 0 ? "Connecting\u2026" : "Reconnecting\u2026");
    const sock = new WebSocket(socketURL);
    ws = sock;
    sock.onopen = () => {
      const hello = { type: "hello" };
      if (cfg.token) hello.token = cfg.token;
      resuming = !!st.conversation;
      if (resuming) { hello.conversation = st.conversation; hello.last_seq = st.last_seq; }
      sock.send(JSON.stringify(hello));
    };
    sock.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch (_) { return; }
      if (f && typeof f.type === "string") receive(f);
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      welcomed = false;
      if (terminal) return;
      // 1008 (policy violation: a refused hello, bad frames) stops, but a
      // socket closed for falling behind is resumed, as the server asks.
      if (ev.code === 1008 && ev.reason !== "too slow") {
        setState("closed", "The chat was refused" + (ev.reason ? ` (${ev.reason})` : "") + ".");
        return;
      }
      retry();
    };
  };

  // retry reconnects after an exponential backoff with jitter: the
  // delay is between half and all of 0.5 s * 2^attempt, at most 30 s.
  const retry = () => {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
    const delay = base / 2 + Math.random() * base / 2;
    attempt++;
    setState("reconnecting", `Connection lost. Reconnecting in ${Math.ceil(delay / 1000)} s\u2026`);
    retryTimer = setTimeout(connect, delay);
  };

  const receive = (f) => {
    switch (f.type) {
      case "welcome":
        welcomed = true;
        attempt = 0;
        if (st.conversation !== f.conversation) { st.conversation = f.conversation; save(); }
        setState("open");
        for (const p of st.pending) sendPending(p);
        markRead();
        break;
      case "message": {
        if (f.seq > 0 && bySeq.has(f.seq)) break; // replayed: shown already
        const m = { seq: f.seq || 0, author: f.author || "system", body: f.body || "", at: f.at || "" };
        render(m);
        if (m.seq > 0) {
          st.messages.push(m);
          st.last_seq = Math.max(st.last_seq, m.seq);
          save();
        }
        if (m.author.startsWith("agent:")) { ui.queue.textContent = ""; ui.menu.replaceChildren(); }
        if (m.author !== "attendee") { ui.typing.textContent = ""; markRead(); }
        break;
      }
      case "ack": acked(f); break;
      case "typing": if (f.author && f.author !== "attendee") showTyping(f.author); break;
      case "read": {
        st.read = Math.max(st.read, f.up_to_seq || 0);
        save();
        for (const [seq, node] of bySeq) {
          if (seq <= st.read && node.dataset.author === "attendee") setStatus(node, "read");
        }
        break;
      }
      case "queue": ui.menu.replaceChildren(); showQueue(f); break;
      case "menu": showMenu(f); break;
      case "closed": closed(f); break;
      case "error":
        ui.status.textContent = f.message || "Something went wrong.";
        // A dropped or unstored message is resent (same client_msg_id:
        // the server stores it once).
        if (f.code === "rate_limited" || f.code === "store_failed") {
          clearTimeout(resendTimer);
          resendTimer = setTimeout(() => { for (const p of st.pending) sendPending(p); }, RESEND_MS);
        }
        break;
      default: // newer servers may say more
    }
  };

  const acked = (f) => {
    const i = st.pending.findIndex((p) => p.client_msg_id === f.client_msg_id);
    if (i < 0) return; // acknowledged before
    const p = st.pending.splice(i, 1)[0];
    const node = byCid.get(p.client_msg_id);
    byCid.delete(p.client_msg_id);
    if (bySeq.has(f.seq)) {
      node && node.remove(); // replayed on resume before this ack
    } else if (node) {
      node.dataset.seq = String(f.seq);
      bySeq.set(f.seq, node);
      setStatus(node, f.seq <= st.read ? "read" : "delivered");
      st.messages.push({ seq: f.seq, author: "attendee", body: p.body, at: new Date().toISOString() });
    }
    st.last_seq = Math.max(st.last_seq, f.seq);
    save();
  };

  const closed = (f) => {
    terminal = true;
    clearTimeout(resendTimer);
    const text = f.message || CLOSED_TEXT[f.reason] || "The chat has ended.";
    if (f.reason === "not_found" && resuming && !welcomed) {
      // The stored conversation ended while the page was away: start
      // afresh, quietly.
      forget();
      ui.log.replaceChildren();
      bySeq.clear();
      byCid.clear();
      setState("idle");
      if (ws) { ws.onclose = null; ws = null; }
      if (!ui.panel.hidden) connect();
      return;
    }
    // The conversation is over unless another window took it, the token
    // was refused, or the server failed: those keep it for a later try.
    if (!["replaced", "unauthorized", "error"].includes(f.reason)) forget();
    ui.menu.replaceChildren();
    ui.queue.textContent = "";
    ui.typing.textContent = "";
    setState("closed", text);
    ui.restart.textContent = f.reason === "replaced" ? "Continue here" : "Start a new chat";
    ui.restart.hidden = f.reason === "unauthorized";
  };

  // ---- What the attendee does

  const newID = () => {
    const b = crypto.getRandomValues(new Uint8Array(12));
    return "c-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  };

  const sendPending = (p) => {
    if (send({ type: "message", client_msg_id: p.client_msg_id, body: p.body })) {
      const node = byCid.get(p.client_msg_id);
      if (node && node.dataset.status === "pending") setStatus(node, "sent");
    }
  };

  const submit = () => {
    const body = ui.input.value.trim();
    if (!body || state === "closed") return;
    ui.input.value = "";
    const p = { client_msg_id: newID(), body };
    st.pending.push(p);
    save();
    render(p);
    ui.log.scrollTop = ui.log.scrollHeight;
    if (state === "idle") connect();
    sendPending(p); // if the socket is down, the welcome sends it
  };

  const typing = () => {
    const now = Date.now();
    if (ui.input.value.trim() && now - lastTypingSent >= TYPING_EVERY_MS && send({ type: "typing" })) {
      lastTypingSent = now;
    }
  };

  // markRead tells the server what the attendee has seen: everything
  // shown, while the panel is open and the page visible.
  const markRead = () => {
    if (ui.panel.hidden || document.visibilityState !== "visible" || state !== "open") return;
    let upTo = 0;
    let others = 0;
    for (const [seq, node] of bySeq) {
      upTo = Math.max(upTo, seq);
      if (node.dataset.author !== "attendee") others = Math.max(others, seq);
    }
    if (others > readSent && send({ type: "read", up_to_seq: upTo })) readSent = upTo;
  };

  const leave = () => {
    if (!send({ type: "leave" })) {
      // Not connected: the conversation ends at the server after its grace.
      terminal = true;
      if (ws) { ws.onclose = null; ws.close(); ws = null; }
      clearTimeout(retryTimer);
      closed({ reason: "left" });
    }
  };

  const restart = () => {
    ui.restart.hidden = true;
    if (!st.conversation) {
      ui.log.replaceChildren();
      bySeq.clear();
      byCid.clear();
      readSent = 0;
    }
    attempt = 0;
    setState("idle");
    connect();
    ui.input.focus();
  };

  // ---- Start

  const start = () => {
    build();
    for (const m of st.messages) render(m);
    for (const p of st.pending) render(p);
    window.eventccChat = { open, close };
    if (st.conversation) connect(); // resume at once: the page was reloaded
    if (cfg.open || st.open) open();
  };
  window.eventccChat = { open: () => {}, close: () => {} }; // until the DOM is ready
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
