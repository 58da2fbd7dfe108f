// Live boards: WebSocket with reconnects (exponential backoff, full jitter),
// a JSON polling fallback when WebSockets are blocked, and polite screen
// reader announcements of meaningful changes only (never per tick).
(function () {
  "use strict";
  var root = document.querySelector("[data-board]");
  if (!root) return;
  var kind = root.getAttribute("data-board");
  var wsPath = root.getAttribute("data-ws-path");
  var snapshotUrl = root.getAttribute("data-snapshot-url");
  var labels = JSON.parse(document.getElementById("board-labels").textContent);
  var rowsEl = root.querySelector("[data-rows]");
  var stateEl = root.querySelector("[data-state]");
  var countEl = root.querySelector("[data-participants]");
  var meEl = root.querySelector("[data-me]");
  var frozenEl = root.querySelector("[data-frozen]");
  var announceEl = root.querySelector("[data-announce]");
  var socket = null, failures = 0, everOpened = false, pollTimer = null, pingTimer = null;
  var lastLeader = null, lastMyRank = null, lastAnnounce = 0;
  var ANNOUNCE_GAP_MS = 30000;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
  }
  function clock(ms) {
    var s = Math.round(ms / 1000);
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }
  function announce(text) {
    var now = Date.now();
    if (now - lastAnnounce < ANNOUNCE_GAP_MS) return;
    lastAnnounce = now;
    announceEl.textContent = text;
  }
  function setState(text, cls) {
    stateEl.textContent = text;
    root.setAttribute("data-connection", cls);
  }

  function renderRound(snap) {
    frozenEl.hidden = !snap.frozen;
    rowsEl.textContent = "";
    if (snap.hidden) {
      var r = document.createElement("tr");
      cell(r, labels.hidden);
      r.firstChild.colSpan = 5;
      rowsEl.appendChild(r);
      countEl.textContent = "";
      return;
    }
    countEl.textContent = fmt(labels.participants, { n: snap.participants });
    if (!snap.top.length) {
      var empty = document.createElement("tr");
      cell(empty, labels.empty);
      empty.firstChild.colSpan = 5;
      rowsEl.appendChild(empty);
    }
    snap.top.forEach(function (entry) {
      var tr = document.createElement("tr");
      cell(tr, entry.rank);
      cell(tr, entry.name);
      cell(tr, entry.where);
      cell(tr, entry.correct + "/" + snap.question_count);
      cell(tr, clock(entry.duration_ms));
      rowsEl.appendChild(tr);
    });
    var leader = snap.top.length ? snap.top[0] : null;
    var leaderKey = leader ? leader.name + "|" + leader.correct + "|" + leader.duration_ms : null;
    if (lastLeader !== null && leaderKey !== lastLeader && leader) {
      announce(fmt(labels.leader, { name: leader.name, correct: leader.correct, time: clock(leader.duration_ms) }));
    }
    lastLeader = leaderKey;
  }

  function renderMe(me) {
    if (!meEl) return;
    meEl.hidden = false;
    if (me.rank === null || me.rank === undefined) {
      meEl.textContent = labels.me_none;
      return;
    }
    meEl.textContent = fmt(labels.me, { rank: me.rank, n: me.participants, correct: me.correct, time: clock(me.duration_ms) });
    if (lastMyRank !== null && lastMyRank !== me.rank) announce(fmt(labels.my_change, { rank: me.rank }));
    lastMyRank = me.rank;
  }

  function renderTurnout(snap) {
    countEl.textContent = fmt(labels.officials, { n: snap.officials, c: snap.citizens });
    rowsEl.textContent = "";
    snap.agencies.forEach(function (row) {
      var tr = document.createElement("tr");
      cell(tr, row.agency);
      cell(tr, row.participants);
      cell(tr, row.headcount);
      cell(tr, row.rate === null ? "—" : row.rate + "%");
      rowsEl.appendChild(tr);
    });
  }

  function handle(message) {
    if (message.type === "snapshot") renderRound(message);
    else if (message.type === "turnout") renderTurnout(message);
    else if (message.type === "me") renderMe(message);
    if (message.me) renderMe(message.me);
  }

  function poll() {
    fetch(snapshotUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) handle(data); })
      .catch(function () {});
  }
  function startPolling() {
    if (pollTimer) return;
    setState(labels.polling, "polling");
    poll();
    pollTimer = setInterval(poll, 5000);
  }
  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + wsPath);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket.onopen = function () {
      failures = 0;
      everOpened = true;
      stopPolling();
      setState(labels.live, "live");
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { if (socket.readyState === 1) socket.send("ping"); }, 25000);
    };
    socket.onmessage = function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* ignore malformed frames */ }
    };
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      if (event.code === 4403 || event.code === 4404) { startPolling(); return; }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    failures += 1;
    setState(labels.reconnecting, "reconnecting");
    // WebSockets that never opened after a few tries are probably blocked by a
    // proxy: keep the board current by polling while still retrying slowly.
    if (!everOpened && failures >= 3) startPolling();
    var cap = Math.min(30000, 500 * Math.pow(2, failures));
    setTimeout(connect, Math.random() * cap);  // full jitter
  }

  var fullscreen = root.querySelector("[data-fullscreen]");
  if (fullscreen) {
    if (!document.documentElement.requestFullscreen) fullscreen.hidden = true;
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    });
  }
  poll();  // show something at once, even before the socket opens
  connect();
})();
