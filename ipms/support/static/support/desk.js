// 在线客服 desk (templates/support/desk.html): live list and thread over the staff socket.
// A reply waits in a pending list (sessionStorage, so a reload keeps it) under a
// client-made id until the server acknowledges it, and is sent again after a reconnect;
// the server stores each id once.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  if (!desk) return;
  var conversation = Number(desk.dataset.conversation || 0);
  var lastId = Number(desk.dataset.lastId || 0);
  var thread = document.getElementById("desk-messages");
  var reply = document.getElementById("desk-reply");
  var input = document.getElementById("desk-input");
  var errorBox = document.getElementById("desk-error");
  var connection = document.getElementById("desk-connection");
  var socket = null, retry = 0, pingTimer = null, listTimer = null;
  var seen = {}, pending = [];
  var PENDING_KEY = "ipms-desk-pending-" + conversation;
  try { pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "[]"); } catch (e) { pending = []; }
  if (!Array.isArray(pending)) pending = [];

  function savePending() {
    try {
      if (pending.length) { sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending)); } else { sessionStorage.removeItem(PENDING_KEY); }
    } catch (e) { /* private mode: kept in this page only */ }
  }
  function settle(key, value) {
    var left = pending.filter(function (entry) { return entry[key] !== value; });
    var gone = pending.filter(function (entry) { return entry[key] === value; });
    pending = left;
    savePending();
    return gone[0] || null;
  }
  var clientId = window.ipmsSupportClientId;  // client-id.js, loaded first
  if (thread) thread.querySelectorAll("[data-id]").forEach(function (item) { seen[item.dataset.id] = true; });

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(data)); return true; }
    return false;
  }

  function append(message) {
    if (message.client_id) settle("client_id", message.client_id);
    if (!thread || seen[message.id]) return;
    seen[message.id] = true;
    lastId = Math.max(lastId, message.id);
    var item = document.createElement("li");
    item.className = "desk-msg desk-msg-" + message.sender;
    item.dataset.id = message.id;
    var meta = document.createElement("div");
    meta.className = "desk-meta";
    meta.textContent = (message.sender === "visitor" ? "访客" : message.author) + " " + message.time;
    var body = document.createElement("div");
    body.className = "desk-bubble";
    body.textContent = message.body;
    item.appendChild(meta);
    item.appendChild(body);
    thread.appendChild(item);
    thread.scrollTop = thread.scrollHeight;
    if (message.sender === "visitor") send({ type: "read", conversation: conversation, upto: message.id });
  }

  function refreshList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(function () {
      fetch(desk.dataset.listUrl + location.search, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) document.getElementById("desk-list").innerHTML = html; });
    }, 150);
  }

  function connect() {
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + desk.dataset.socket);
    socket.onopen = function () {
      retry = 0;
      connection.textContent = "已连接，新消息会即时显示。";
      if (conversation) send({ type: "resume", conversation: conversation, after: lastId });
      pending.forEach(send);
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, 30000);
      refreshList();
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "message") {
        if (data.conversation === conversation) append(data.message);
        refreshList();
      } else if (data.type === "history" && data.conversation === conversation) {
        data.messages.forEach(append);
      } else if (data.type === "conversation") {
        refreshList();
        if (data.conversation === conversation && "assigned_to" in data) {
          // 接待客服: another staff member took or answered it (or this one did elsewhere).
          document.getElementById("desk-assigned").textContent = data.assigned_to || "尚未接待";
          var assign = document.getElementById("desk-assign");
          if (assign) assign.hidden = data.assigned_to_id === Number(desk.dataset.user);
        }
        if (data.conversation === conversation && data.status === "closed") {
          document.getElementById("desk-status").textContent = "已结束";
          if (reply) reply.hidden = true;
        }
      } else if (data.type === "ack") {
        if (data.message) append(data.message);
      } else if (data.type === "error") {
        errorBox.textContent = data.message;
        var lost = data.nonce ? settle("nonce", data.nonce) : null;
        if (lost && input && !input.value) input.value = lost.body;
      }
    };
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      if (event.code === 4403) { connection.textContent = "您没有接待在线客服的权限。"; return; }
      connection.textContent = "连接已断开，正在重新连接…";
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, retry * 1000);
    };
  }

  if (reply) {
    reply.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      errorBox.textContent = "";
      if (!body) { errorBox.textContent = "请输入回复内容。"; return; }
      var nonce = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      var entry = { type: "reply", conversation: conversation, body: body, nonce: nonce, client_id: clientId() };
      pending.push(entry);
      savePending();
      if (!send(entry)) connection.textContent = "连接已断开，回复将在重新连接后发送。";
      input.value = "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        reply.requestSubmit();
      }
    });
    reply.querySelectorAll(".desk-quick-button").forEach(function (button) {
      button.addEventListener("click", function () { input.value = button.dataset.text; input.focus(); });
    });
  }
  if (thread) thread.scrollTop = thread.scrollHeight;
  connect();
})();
