// The eventcc agent desktop: one file, no build step, no framework. It
// speaks the protocol in the desktop package's doc over a WebSocket at
// <service>/socket next to this page.
//
// Hooks for tests and integrators: body[data-state] is signed-out,
// connecting, open, reconnecting or closed; #presence, #signout; offers
// are .offer[data-engagement] in #offers with .accept and .decline;
// conversations are .conv[data-engagement] in #conversations, each with
// .log (messages .msg[data-seq][data-author]), .typing, .compose,
// .send, .transfer-queue, .transfer, .end and, once over, .ended.
"use strict";
(function () {
  const $ = (sel, root = document) => root.querySelector(sel);
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const kid of kids) e.append(kid);
    return e;
  };
  const store = window.sessionStorage;
  const KEY = "eventcc.desk";

  let ws = null;
  let service = "";
  let token = "";
  let agent = "";
  let queues = [];
  let backoff = 500;
  let retry = null;
  let nextRef = 1;
  let final = false; // a closed frame came: do not reconnect

  const setState = (s) => { document.body.dataset.state = s; };
  const status = (text) => { $("#status").textContent = text; };
  const notice = (text) => { $("#notice").textContent = text; };
  setState("signed-out");

  // --- Signing in -------------------------------------------------------

  // The platform links agents to #service=…&token=…: read it, and take
  // it out of the address bar and the history.
  const frag = new URLSearchParams(location.hash.slice(1));
  if (frag.get("service") && frag.get("token")) {
    store.setItem(KEY, JSON.stringify({ service: frag.get("service"), token: frag.get("token") }));
    history.replaceState(null, "", location.pathname + location.search);
  }
  const saved = JSON.parse(store.getItem(KEY) || "null");
  if (saved) {
    $("#service").value = saved.service;
    $("#token").value = saved.token;
  }

  $("#signin").addEventListener("submit", (ev) => {
    ev.preventDefault();
    service = $("#service").value.trim();
    token = $("#token").value.trim();
    if (!service || !token) return;
    store.setItem(KEY, JSON.stringify({ service, token }));
    final = false;
    notice("");
    connect();
  });
  if (saved) {
    service = saved.service;
    token = saved.token;
    connect();
  }

  function socketURL() {
    const u = new URL(encodeURIComponent(service) + "/socket", location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.hash = "";
    u.search = "";
    return u.href;
  }

  function connect() {
    clearTimeout(retry);
    setState(ws ? "reconnecting" : "connecting");
    status("Connecting…");
    const sock = new WebSocket(socketURL());
    ws = sock;
    sock.onopen = () => send({ type: "hello", token });
    sock.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      handle(f);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      if (final) { setState("closed"); return; }
      setState("reconnecting");
      status("Connection lost; reconnecting…");
      const wait = backoff * (0.5 + Math.random() / 2);
      backoff = Math.min(backoff * 2, 30000);
      retry = setTimeout(connect, wait);
    };
  }

  function send(f) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      f.ref = f.ref || "r" + nextRef++;
      ws.send(JSON.stringify(f));
      return true;
    }
    notice("Not connected; try again in a moment.");
    return false;
  }

  // --- Frames from the server --------------------------------------------

  function handle(f) {
    switch (f.type) {
      case "welcome":
        backoff = 500;
        agent = f.agent;
        queues = f.queues || [];
        setState("open");
        $("#signin").hidden = true;
        $("#desk").hidden = false;
        $("#presence").disabled = false;
        $("#signout").disabled = false;
        status("Signed in as " + agent);
        holding(f.holding, true);
        break;
      case "holding":
      case "presence":
        holding(f.holding, false);
        break;
      case "offer":
        addOffer(f.engagement, f.queue, f.wait_s);
        break;
      case "offer_gone":
        removeOffer(f.engagement);
        break;
      case "assigned":
        removeOffer(f.engagement);
        openConv(f.engagement, f.queue);
        break;
      case "history":
        history_(f);
        break;
      case "message":
        addMessage(f.engagement, f);
        break;
      case "ack":
        acked(f);
        break;
      case "typing":
        typing(f.engagement);
        break;
      case "read":
        readUpTo(f.engagement, f.up_to_seq);
        break;
      case "ended":
        ended(f.engagement, f.reason);
        break;
      case "error":
        notice((f.op ? f.op + ": " : "") + f.message);
        break;
      case "closed":
        final = true;
        if (f.reason === "unauthorized" || f.reason === "signed_out") store.removeItem(KEY);
        signedOut(f.message || "Signed out.");
        break;
    }
  }

  function signedOut(message) {
    setState("closed");
    status("Signed out");
    $("#presence").disabled = true;
    $("#signout").disabled = true;
    $("#desk").hidden = true;
    $("#signin").hidden = false;
    $("#offers").replaceChildren();
    $("#conversations").replaceChildren();
    notice(message);
    $("#token").focus();
  }

  // holding renders what the agent holds; at a (re)connect it also asks
  // for each conversation's messages.
  function holding(h, fresh) {
    if (!h) return;
    const sel = $("#presence");
    if ([...sel.options].some((o) => o.value === h.presence)) sel.value = h.presence;
    status("Signed in as " + agent + " · " + h.presence);
    // At a (re)connect, what the agent holds; afterwards, a conversation
    // opens with its "assigned" frame, which comes once its channel has
    // the router's word.
    for (const id of fresh ? h.connected || [] : []) {
      const known = conv(id);
      openConv(id, "");
      if (known) send({ type: "history", engagement: id, after_seq: lastSeq(id) });
    }
    // An offer, too, is shown from here only at a (re)connect: later, a
    // holding frame may be older than an offer_gone already taken.
    if (fresh && h.offered && !$('.offer[data-engagement="' + CSS.escape(h.offered) + '"]')) addOffer(h.offered, "", null);
    $("#no-offers").hidden = $("#offers").children.length > 0;
  }

  $("#presence").addEventListener("change", (ev) => send({ type: "status", status: ev.target.value }));
  $("#signout").addEventListener("click", () => send({ type: "sign_out" }));

  // --- Offers ------------------------------------------------------------

  function addOffer(id, queue, waitS) {
    removeOffer(id);
    const title = "Chat in " + (queue || "a queue") + (waitS != null ? ", waited " + waitS + " s" : "");
    const card = el("div", { class: "offer", "data-engagement": id, role: "group", "aria-label": "Offer: " + title },
      el("strong", { text: title }),
      el("div", { class: "preview", "aria-label": "What the attendee said so far" }),
      el("div", { class: "row" },
        el("button", { class: "accept", type: "button", text: "Accept", onclick: () => send({ type: "accept", engagement: id }) }),
        el("button", { class: "decline secondary", type: "button", text: "Decline", onclick: () => send({ type: "decline", engagement: id }) })));
    $("#offers").append(card);
    $("#no-offers").hidden = true;
    send({ type: "history", engagement: id });
    $(".accept", card).focus();
  }

  function removeOffer(id) {
    const card = $('.offer[data-engagement="' + CSS.escape(id) + '"]');
    if (card) card.remove();
    $("#no-offers").hidden = $("#offers").children.length > 0;
  }

  // --- Conversations -------------------------------------------------------

  const conv = (id) => $('.conv[data-engagement="' + CSS.escape(id) + '"]');
  const lastSeq = (id) => {
    let max = 0;
    for (const m of conv(id)?.querySelectorAll(".msg[data-seq]") || []) max = Math.max(max, +m.dataset.seq);
    return max;
  };

  function openConv(id, queue) {
    if (conv(id)) return;
    const n = $("#conversations").children.length + 1;
    const inputID = "compose-" + n;
    const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
    const input = el("input", { class: "compose", id: inputID, autocomplete: "off", maxlength: "4000" });
    let lastTyping = 0;
    input.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTyping > 3000) { lastTyping = now; send({ type: "typing", engagement: id }); }
    });
    const pick = el("select", { class: "transfer-queue", "aria-label": "Transfer to queue" },
      ...queues.map((q) => el("option", { value: q, text: q })));
    const box = el("section", { class: "conv", "data-engagement": id, "aria-label": "Conversation " + n },
      el("h2", { text: "Conversation " + n + (queue ? " · " + queue : "") }),
      log,
      el("div", { class: "typing", "aria-live": "polite" }),
      el("form", { class: "row", onsubmit: (ev) => { ev.preventDefault(); post(id, input); } },
        el("div", {}, el("label", { for: inputID, text: "Reply" }), input),
        el("button", { class: "send", type: "submit", text: "Send" })),
      el("div", { class: "row" },
        pick,
        el("button", { class: "transfer secondary", type: "button", text: "Transfer", onclick: () => send({ type: "transfer", engagement: id, queue: pick.value }) }),
        el("button", { class: "end secondary", type: "button", text: "End", onclick: () => send({ type: "end", engagement: id }) })));
    $("#conversations").append(box);
    send({ type: "history", engagement: id });
    input.focus();
  }

  function post(id, input) {
    const body = input.value.trim();
    if (!body) return;
    const cm = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
    if (!send({ type: "message", engagement: id, body, client_msg_id: cm })) return;
    input.value = "";
    const m = msgEl({ author: "agent:" + agent, body, at: new Date().toISOString() });
    m.dataset.pending = cm;
    $(".log", conv(id)).append(m);
  }

  function msgEl(m) {
    const mine = m.author === "agent:" + agent;
    const who = mine ? "You" : m.author === "attendee" ? "Attendee" : m.author.startsWith("agent:") ? m.author.slice(6) : m.author;
    const e = el("div", { class: "msg" + (mine ? " mine" : ""), "data-author": m.author },
      el("div", { class: "who", text: who + " · " + new Date(m.at).toLocaleTimeString() }),
      el("div", { class: "body", text: m.body }));
    if (m.seq) e.dataset.seq = m.seq;
    if (mine) e.append(el("div", { class: "readmark" }));
    return e;
  }

  // addMessage appends a message once, by seq, in seq order.
  function addMessage(id, m) {
    const box = conv(id);
    if (!box) return;
    const log = $(".log", box);
    if ($('.msg[data-seq="' + m.seq + '"]', log)) return;
    const e = msgEl(m);
    const after = [...log.querySelectorAll(".msg[data-seq]")].find((x) => +x.dataset.seq > m.seq);
    log.insertBefore(e, after || null);
    log.scrollTop = log.scrollHeight;
    if (m.author === "attendee") {
      $(".typing", box).textContent = "";
      if (document.visibilityState === "visible") send({ type: "read", engagement: id, up_to_seq: m.seq });
    }
  }

  function acked(f) {
    const box = conv(f.engagement);
    if (!box) return;
    const p = $('.msg[data-pending="' + CSS.escape(f.client_msg_id || "") + '"]', box);
    if (!p) return;
    delete p.dataset.pending;
    if ($('.msg[data-seq="' + f.seq + '"]', box)) p.remove(); // the echo came first
    else p.dataset.seq = f.seq;
  }

  function history_(f) {
    const card = $('.offer[data-engagement="' + CSS.escape(f.engagement) + '"]');
    if (card) {
      const pre = $(".preview", card);
      pre.replaceChildren(...(f.messages || []).map((m) => el("div", { text: m.author + ": " + m.body })));
      if (f.chat === false) pre.textContent = "Not a chat: take it on your phone.";
    }
    for (const m of f.messages || []) addMessage(f.engagement, m);
  }

  const typingTimers = {};
  function typing(id) {
    const box = conv(id);
    if (!box) return;
    $(".typing", box).textContent = "The attendee is typing…";
    clearTimeout(typingTimers[id]);
    typingTimers[id] = setTimeout(() => { $(".typing", box).textContent = ""; }, 5000);
  }

  function readUpTo(id, seq) {
    const box = conv(id);
    if (!box) return;
    for (const m of box.querySelectorAll(".msg.mine[data-seq]")) {
      if (+m.dataset.seq <= seq) $(".readmark", m).textContent = "Read";
    }
  }

  function ended(id, reason) {
    removeOffer(id);
    const box = conv(id);
    if (!box || $(".ended", box)) return;
    for (const c of box.querySelectorAll("input, select, button")) c.disabled = true;
    const why = reason === "answered" ? "Ended. Wrap-up time." : reason === "transferred" ? "Transferred." : "Ended: " + reason + ".";
    box.append(el("p", { class: "ended", role: "status", text: why }),
      el("button", { class: "dismiss secondary", type: "button", text: "Close", onclick: () => box.remove() }));
  }
})();
