// 在线客服: the visitor's chat panel (templates/support/widget.html).
// Messages arrive over a WebSocket; every message is stored on the server, so after a
// drop the panel reconnects and asks for what came after the last message it holds.
// What the visitor sends waits in a pending list (kept in sessionStorage, so a reload
// keeps it) under a client-made id until the server acknowledges it; after a reconnect
// the pending ones are sent again and the server stores each id once.
// Text is always set with textContent: what people type is never read as HTML.
(function () {
  "use strict";
  var root = document.getElementById("support-widget");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var launcher = $("support-launcher"), panel = $("support-panel"), list = $("support-messages");
  var input = $("support-input"), phone = $("support-phone"), errorBox = $("support-error");
  var statusBox = $("support-status"), offline = $("support-offline"), rating = $("support-rating");
  var badge = $("support-badge"), badgeCount = $("support-badge-count");
  var ACTIVE_KEY = "ipms-support-active", PENDING_KEY = "ipms-support-pending";
  var info = null, socket = null, lastId = 0, unread = 0, retry = 0, retryTimer = null;
  var seen = {}, pending = [], state = { status: "none", rated: false };

  function nonce() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 8); }
  var clientId = window.ipmsSupportClientId;  // client-id.js, loaded first
  function savePending() {
    try {
      if (pending.length) { sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending.map(function (entry) { return entry.data; }))); } else { sessionStorage.removeItem(PENDING_KEY); }
    } catch (e) { /* private mode: kept in this page only */ }
  }
  function loadPending() {
    var saved = [];
    try { saved = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "[]"); } catch (e) { saved = []; }
    if (!Array.isArray(saved)) return;
    saved.forEach(function (data) {
      if (data && data.type === "send" && data.client_id) pending.push({ data: data, body: data.body, item: null, sent: false });
    });
  }
  function isOpen() { return !panel.hidden; }
  function setActive(on) {
    try { if (on) { localStorage.setItem(ACTIVE_KEY, "1"); } else { localStorage.removeItem(ACTIVE_KEY); } } catch (e) { /* private mode */ }
  }
  function wasActive() { try { return localStorage.getItem(ACTIVE_KEY) === "1"; } catch (e) { return false; } }

  function bubble(sender, author, time, body) {
    var item = document.createElement("li");
    item.className = "support-msg support-msg-" + sender;
    if (sender !== "system") {
      var meta = document.createElement("div");
      meta.className = "support-meta";
      meta.textContent = author + (time ? " " + time : "");
      item.appendChild(meta);
    }
    var text = document.createElement("div");
    text.className = "support-bubble";
    text.textContent = body;
    item.appendChild(text);
    return item;
  }

  function scrollDown() { list.scrollTop = list.scrollHeight; }

  function showMessage(message) {
    if (seen[message.id]) return;
    seen[message.id] = true;
    lastId = Math.max(lastId, message.id);
    if (message.sender === "visitor" && message.client_id) {
      for (var i = 0; i < pending.length; i++) {
        if (pending[i].data.client_id === message.client_id) {
          var own = pending.splice(i, 1)[0];
          savePending();
          if (own.item) {
            own.item.classList.remove("support-msg-pending");
            own.item.querySelector(".support-meta").textContent = "我 " + message.time;
            return;
          }
          break;
        }
      }
    }
    list.appendChild(bubble(message.sender, message.author, message.time, message.body));
    if (message.sender !== "visitor") {
      if (isOpen()) { send({ type: "read", upto: message.id }); } else { unread += 1; showBadge(); }
    }
    scrollDown();
  }

  function showBadge() {
    badge.hidden = unread === 0;
    badgeCount.textContent = String(unread);
  }

  function applyState(next) {
    state.status = next.status;
    state.rated = next.rated;
    if (state.status === "closed") {
      statusBox.textContent = state.rated ? "会话已结束，感谢您的评价。" : "会话已结束。再次发送消息将开始新的咨询。";
      if (!state.rated) rating.hidden = false;
    } else if (state.status === "open") {
      statusBox.textContent = "";
    }
    if (state.rated) { rating.hidden = true; }
    if (state.status === "closed" && state.rated) setActive(false);
  }

  function applyOnline(online) {
    offline.hidden = online;
    if (!online && info) $("support-offline-text").textContent = info.offline;
  }

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(data)); return true; }
    return false;
  }

  function pendingBubble(entry) {
    entry.item = bubble("visitor", "我", "", entry.body);
    entry.item.classList.add("support-msg-pending");
    list.appendChild(entry.item);
    scrollDown();
  }

  // After the history (which may hold some of them already): the rest go out again.
  function flushPending() {
    pending.forEach(function (entry) {
      if (!entry.item) pendingBubble(entry);
      if (!entry.sent) entry.sent = send(entry.data);
    });
  }

  function socketUrl() {
    var url = info.socket;
    if (url.charAt(0) === "/") url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + url;
    return url;
  }

  function connect() {
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    clearTimeout(retryTimer);
    socket = new WebSocket(socketUrl());
    socket.onopen = function () {
      retry = 0;
      statusBox.textContent = state.status === "closed" ? statusBox.textContent : "";
      send({ type: "resume", after: lastId });
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      receive(data);
    };
    socket.onclose = function (event) {
      socket = null;
      pending.forEach(function (entry) { entry.sent = false; });
      if (event.code === 4401) { info = null; start(); return; }
      if (isOpen()) statusBox.textContent = "连接已断开，正在重新连接…";
      retry = Math.min(retry + 1, 5);
      retryTimer = setTimeout(connect, retry * 1000);
    };
  }

  function receive(data) {
    if (data.type === "history") {
      data.messages.forEach(showMessage);
      applyState(data);
      applyOnline(data.staff_online);
      flushPending();
    } else if (data.type === "message") {
      showMessage(data.message);
    } else if (data.type === "state") {
      applyState(data);
    } else if (data.type === "ack") {
      if (data.message) showMessage(data.message);
    } else if (data.type === "rated") {
      applyState({ status: state.status, rated: true });
    } else if (data.type === "error") {
      errorBox.textContent = data.message;
      for (var i = 0; i < pending.length; i++) {
        if (pending[i].data.nonce === data.nonce) {
          var lost = pending.splice(i, 1)[0];
          savePending();
          if (lost.item) lost.item.remove();
          if (!input.value) input.value = lost.body;
          break;
        }
      }
    }
  }

  function start() {
    if (info) { connect(); return; }
    fetch(root.dataset.sessionUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
      .then(function (data) {
        info = data;
        input.maxLength = data.max_length;
        applyOnline(data.staff_online);
        connect();
      })
      .catch(function () {
        statusBox.textContent = "暂时无法连接在线客服，请稍后再试。";
        retry = Math.min(retry + 1, 5);
        retryTimer = setTimeout(start, retry * 2000);
      });
  }

  function openPanel() {
    panel.hidden = false;
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    showBadge();
    if (lastId) send({ type: "read", upto: lastId });
    start();
    input.focus();
    scrollDown();
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (isOpen()) { closePanel(); } else { openPanel(); } });
  $("support-hide").addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") closePanel(); });

  $("support-compose").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    errorBox.textContent = "";
    if (!body) { errorBox.textContent = "请输入消息内容。"; return; }
    var data = { type: "send", body: body, page: location.pathname + location.search, phone: offline.hidden ? "" : phone.value.trim(), nonce: nonce(), client_id: clientId() };
    var entry = { data: data, body: body, item: null, sent: false };
    pendingBubble(entry);
    pending.push(entry);
    savePending();
    entry.sent = send(data);
    if (!entry.sent) start();
    input.value = "";
    rating.hidden = true;
    setActive(true);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("support-compose").requestSubmit();
    }
  });

  $("support-end").addEventListener("click", function () {
    if (state.status === "open") { send({ type: "close" }); } else { rating.hidden = state.rated || state.status === "none"; }
  });
  $("support-rate-open").addEventListener("click", function () {
    if (state.status === "none") { errorBox.textContent = "咨询后即可评价。"; return; }
    if (state.rated) { statusBox.textContent = "您已评价过本次会话，感谢您的反馈。"; return; }
    rating.hidden = false;
  });
  $("support-rate-cancel").addEventListener("click", function () { rating.hidden = true; });
  rating.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = rating.querySelector("input[name=score]:checked");
    if (!chosen) { errorBox.textContent = "请选择 1 到 5 颗星。"; return; }
    errorBox.textContent = "";
    send({ type: "rate", score: Number(chosen.value), comment: $("support-comment").value, nonce: nonce() });
  });

  loadPending();
  if (wasActive() || pending.length) start();
})();
