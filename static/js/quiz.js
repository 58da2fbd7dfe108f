// The quiz page: one question at a time (or all), answers saved as they are
// chosen, a queue that survives reloads and dropped connections, and a
// countdown from the server's deadline corrected for the clock offset.
// The server keeps the time and the score; this script only displays.
(function () {
  "use strict";

  var configNode = document.getElementById("quiz-config");
  var form = document.getElementById("quiz-form");
  if (!configNode || !form) { return; }
  var config = JSON.parse(configNode.textContent);
  var S = config.strings;
  var STORE = "ttt-quiz-" + config.attempt_id;
  var VIEW_STORE = "ttt-quiz-view";
  var TIMER_STORE = "ttt-hide-timer";

  var fieldsets = Array.prototype.slice.call(form.querySelectorAll(".question"));
  var total = fieldsets.length;
  var current = 1;
  var finished = false;
  var stopped = false;      // the server refuses further saves (deadline, submitted, logged out)
  var inflight = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var offset = 0;           // server clock − client clock, in ms
  var bestRtt = Infinity;

  function byId(id) { return document.getElementById(id); }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (m, key) { return values[key]; });
  }

  // --- clock -------------------------------------------------------------------
  (function initialOffset() {
    var server = Date.parse(config.server_time);
    var received = Date.now();
    if (window.performance && performance.getEntriesByType) {
      var nav = performance.getEntriesByType("navigation")[0];
      if (nav && nav.responseStart > 0) { received = performance.timeOrigin + nav.responseStart; }
    }
    offset = server - received;
  })();

  function sampleOffset(serverIso, sentAt, receivedAt) {
    var rtt = receivedAt - sentAt;
    if (!serverIso || rtt > bestRtt) { return; }
    bestRtt = rtt;
    offset = Date.parse(serverIso) - (sentAt + rtt / 2);
  }

  function serverNow() { return Date.now() + offset; }

  // --- local queue (survives reloads) -----------------------------------------------------
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(STORE) || "{}") || {}; } catch (e) { return {}; }
  }
  var queue = loadQueue();
  // A step counter, and the step at which this page last changed or saved each
  // question: a server answer read before that step is older than the page.
  var step = 0;
  var touchedAt = {};
  function touch(position) { touchedAt[position] = ++step; }
  function storeQueue() {
    try {
      if (Object.keys(queue).length) { localStorage.setItem(STORE, JSON.stringify(queue)); }
      else { localStorage.removeItem(STORE); }
    } catch (e) { /* private mode: the queue lives in memory only */ }
  }

  // --- answers in the form -----------------------------------------------------------------
  function fieldset(position) { return byId("q-" + position); }
  function tokensOf(position) {
    var inputs = fieldset(position).querySelectorAll("input:checked");
    return Array.prototype.map.call(inputs, function (i) { return i.value; });
  }
  function setTokens(position, tokens) {
    var box = fieldset(position);
    if (!box) { return; }
    Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
      input.checked = tokens.indexOf(input.value) !== -1;
    });
  }
  function sameTokens(a, b) {
    return a && b && a.length === b.length && a.every(function (t, i) { return t === b[i]; });
  }
  function answeredPositions() {
    return fieldsets.map(function (f) { return +f.dataset.position; })
      .filter(function (p) { return tokensOf(p).length > 0; });
  }

  function setQuestionStatus(position, text, state) {
    var node = byId("q-status-" + position);
    if (node) { node.textContent = text; node.dataset.state = state || ""; }
  }

  function refreshNav() {
    var answered = answeredPositions();
    fieldsets.forEach(function (f) {
      var position = +f.dataset.position;
      var link = byId("nav-" + position);
      var isAnswered = answered.indexOf(position) !== -1;
      link.classList.toggle("is-answered", isAnswered);
      link.classList.toggle("is-queued", Object.prototype.hasOwnProperty.call(queue, position));
      link.querySelector(".visually-hidden").textContent = ", " + (isAnswered ? S.answered : S.unanswered);
      if (position === current && !showAll()) { link.setAttribute("aria-current", "step"); }
      else { link.removeAttribute("aria-current"); }
    });
    byId("quiz-progress").textContent = fmt(S.answeredCount, { n: answered.length, total: total });
  }

  function refreshSaveState() {
    var pending = Object.keys(queue).length;
    var node = byId("save-state");
    var text = pending ? fmt(S.pending, { n: pending }) : S.allSaved;
    if (node.textContent !== text) { node.textContent = text; }
    node.dataset.state = pending ? "pending" : "saved";
  }

  // --- sending ---------------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function request(method, url, body) {
    var sentAt = Date.now();
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (data && (data.saved_at || data.server_time)) { sampleOffset(data.saved_at || data.server_time, sentAt, Date.now()); }
        return { status: response.status, data: data };
      });
    });
  }

  function showOffline(on) {
    var banner = byId("offline-banner");
    banner.textContent = on ? S.offline : "";
    banner.hidden = !on;
  }

  function showMessage(text, link) {
    var box = byId("quiz-message");
    box.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = " →";
      box.appendChild(a);
    }
    box.hidden = !text;
  }

  function scheduleRetry() {
    showOffline(true);
    if (retryTimer) { return; }
    var wait = retryDelay + Math.floor(Math.random() * 500);
    retryDelay = Math.min(retryDelay * 2, 15000);
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, wait);
  }

  function flush() {
    if (inflight || stopped) { refreshSaveState(); return; }
    var positions = Object.keys(queue);
    refreshSaveState();
    if (!positions.length) { return; }
    var position = positions[0];
    var tokens = queue[position];
    inflight = true;
    setQuestionStatus(position, S.saving, "saving");
    request("PUT", config.urls.answer.replace("{position}", position), { choices: tokens }).then(function (res) {
      inflight = false;
      if (res.status === 200 && res.data && res.data.saved) {
        showOffline(false);
        retryDelay = 1000;
        if (sameTokens(queue[position], tokens)) { delete queue[position]; storeQueue(); }
        touch(position);
        moveDeadline(res.data.deadline);
        setQuestionStatus(position, queue[position] ? S.queued : (tokens.length ? S.saved : ""), "saved");
        refreshNav();
        flush();
      } else if (!res.data || res.status >= 500 || res.status === 429) {
        setQuestionStatus(position, S.queued, "queued");
        scheduleRetry();
      } else {
        refused(position, res);
      }
    }, function () {
      inflight = false;
      setQuestionStatus(position, S.queued, "queued");
      scheduleRetry();
    });
  }

  function refused(position, res) {
    var data = res.data || {};
    showOffline(false);
    if (data.code === "invalid_answer") {
      // This answer can never be accepted; drop it and say so.
      delete queue[position]; storeQueue();
      setQuestionStatus(position, S.refused + " " + data.message, "error");
      refreshNav();
      flush();
      return;
    }
    stopped = true;
    if (data.code === "deadline_passed" || data.code === "attempt_finished") {
      queue = {}; storeQueue();
      lock();
      showMessage(data.message, config.urls.result);
      return;
    }
    // Logged out, security token out of date, attempt gone: keep the queue for later.
    showMessage(data.message || S.submitFailed);
  }

  // --- choosing ------------------------------------------------------------------------------
  form.addEventListener("change", function (event) {
    var box = event.target.closest(".question");
    if (!box || finished) { return; }
    var position = box.dataset.position;
    queue[position] = tokensOf(position);
    storeQueue();
    touch(position);
    setQuestionStatus(position, S.queued, "queued");
    refreshNav();
    flush();
  });

  // --- one question at a time / all on one page -------------------------------------------
  var showAllBox = byId("show-all");
  function showAll() { return showAllBox.checked; }
  function render() {
    var all = showAll();
    fieldsets.forEach(function (f) { f.hidden = !all && +f.dataset.position !== current; });
    byId("pager").hidden = all;
    byId("prev-q").disabled = current <= 1;
    byId("next-q").disabled = current >= total;
    refreshNav();
  }
  function go(position, focus) {
    current = Math.min(Math.max(position, 1), total);
    render();
    var legend = byId("q-" + current + "-legend");
    if (showAll()) { fieldset(current).scrollIntoView({ block: "start" }); }
    if (focus && legend) { legend.focus({ preventScroll: showAll() }); }
  }
  try { showAllBox.checked = localStorage.getItem(VIEW_STORE) === "all"; } catch (e) { /* default view */ }
  showAllBox.addEventListener("change", function () {
    try { localStorage.setItem(VIEW_STORE, showAll() ? "all" : "one"); } catch (e) { /* ignore */ }
    render();
  });
  byId("quiz-nav").addEventListener("click", function (event) {
    var link = event.target.closest("[data-goto]");
    if (!link) { return; }
    event.preventDefault();
    go(+link.dataset.goto, true);
  });
  byId("prev-q").addEventListener("click", function () { go(current - 1, true); });
  byId("next-q").addEventListener("click", function () { go(current + 1, true); });

  // --- timer -----------------------------------------------------------------------------------
  var timer = byId("quiz-timer");
  var announcer = byId("timer-announcer");
  var deadline = config.deadline ? Date.parse(config.deadline) : Date.parse(config.closes_at);
  var thresholds = [
    { ms: 5 * 60000, text: S.fiveMinutes },
    { ms: 60000, text: S.oneMinute }
  ];
  (function skipPassedThresholds() {
    var left = deadline - serverNow();
    thresholds.forEach(function (t) { t.done = left <= t.ms; });
  })();

  // The server may end the attempt earlier than the page was told (an
  // organiser closed the round): every save and sync carries the deadline.
  function moveDeadline(iso) {
    var moved = iso ? Date.parse(iso) : NaN;
    if (!config.deadline || isNaN(moved) || moved === deadline) { return; }
    deadline = moved;
    tick();
  }

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    if (finished) { return; }
    var left = deadline - serverNow();
    if (timer) {
      var seconds = Math.max(0, Math.ceil(left / 1000));
      var text = Math.floor(seconds / 60) + ":" + pad(seconds % 60);
      if (timer.textContent !== text) { timer.textContent = text; }
      timer.classList.toggle("is-low", left <= 60000);
    }
    thresholds.forEach(function (t) {
      if (!t.done && left <= t.ms && left > 0) { t.done = true; if (config.deadline) { announcer.textContent = t.text; } }
    });
    if (left <= 0) { timeUp(); }
  }

  var toggle = byId("timer-toggle");
  function applyTimerVisibility(hidden) {
    if (!toggle) { return; }
    timer.classList.toggle("is-hidden", hidden);
    toggle.setAttribute("aria-pressed", hidden ? "true" : "false");
    toggle.textContent = hidden ? S.showTimer : S.hideTimer;
  }
  if (toggle) {
    var hiddenPref = false;
    try { hiddenPref = localStorage.getItem(TIMER_STORE) === "1"; } catch (e) { /* default: shown */ }
    applyTimerVisibility(hiddenPref);
    toggle.addEventListener("click", function () {
      var hide = toggle.getAttribute("aria-pressed") !== "true";
      try { localStorage.setItem(TIMER_STORE, hide ? "1" : "0"); } catch (e) { /* ignore */ }
      applyTimerVisibility(hide);
    });
  }

  function lock() {
    finished = true;
    Array.prototype.forEach.call(form.querySelectorAll("input"), function (i) { i.disabled = true; });
    byId("submit-open").disabled = true;
  }

  function timeUp() {
    if (finished) { return; }
    announcer.textContent = S.timeUp;
    showMessage(S.timeUp);
    lock();
    // Answers still queued go now (the server allows a short grace for transit),
    // then the attempt is submitted with the prediction, or finalised by the server.
    waitForQueue(Math.max(500, (config.grace_seconds || 2) * 1000 - 300)).then(finish, finish);
    function finish() { submit(true); }
  }

  // --- submitting ------------------------------------------------------------------------------
  var dialog = byId("submit-dialog");
  var predictionInput = byId("prediction");

  function unanswered() {
    var answered = answeredPositions();
    return fieldsets.map(function (f) { return +f.dataset.position; })
      .filter(function (p) { return answered.indexOf(p) === -1; });
  }

  function waitForQueue(limitMs) {
    var until = Date.now() + limitMs;
    return new Promise(function (resolve, reject) {
      (function check() {
        if (!Object.keys(queue).length && !inflight) { resolve(); return; }
        if (Date.now() > until || (stopped && !inflight)) { reject(); return; }
        if (!inflight && !retryTimer) { flush(); }
        setTimeout(check, 150);
      })();
    });
  }

  byId("submit-open").addEventListener("click", function () {
    var missing = unanswered();
    var list = byId("submit-unanswered");
    var confirmButton = byId("submit-confirm");
    byId("submit-error").textContent = "";
    if (missing.length) {
      list.textContent = fmt(S.unansweredList, { list: missing.join(", ") });
      if (config.must_answer_all) { list.textContent += " " + S.mustAnswerAll; }
    } else {
      list.textContent = S.noUnanswered;
    }
    confirmButton.disabled = config.must_answer_all && missing.length > 0;
    if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    (confirmButton.disabled ? byId("submit-cancel") : confirmButton).focus();
  });
  byId("submit-cancel").addEventListener("click", function () { closeDialog(); });
  byId("submit-confirm").addEventListener("click", function () { submit(false); });

  function closeDialog() {
    if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
  }

  function submitError(text) {
    byId("submit-error").textContent = text;
    byId("submit-confirm").disabled = false;
  }

  var autoTries = 0;
  function submit(auto) {
    var confirmButton = byId("submit-confirm");
    confirmButton.disabled = true;
    byId("submit-error").textContent = S.submitting;
    var body = { prediction: predictionInput ? predictionInput.value : null };
    var ready = auto ? Promise.resolve() : waitForQueue(10000);
    ready.then(function () {
      return request("POST", config.urls.submit, body);
    }, function () {
      submitError(S.notAllSent);
      throw null;
    }).then(function (res) {
      var data = res.data || {};
      if (res.status === 200) {
        done(data.result_url || config.urls.result);
      } else if (data.code === "deadline_passed" || data.code === "attempt_finished") {
        done((data.result && data.result.result_url) || config.urls.result);
      } else if (auto && autoTries++ < 60) {
        // Not finalised yet (this clock ran ahead, or the server is busy): ask again
        // shortly; past the deadline the server finalises the attempt itself.
        setTimeout(function () { submit(true); }, 1000);
      } else if (data.code === "invalid_prediction") {
        closeDialog();
        byId("prediction-error").textContent = data.message;
        predictionInput.focus();
        confirmButton.disabled = false;
      } else {
        submitError(res.status >= 500 || !res.data ? S.submitFailed : (data.message || S.submitFailed));
      }
    }).catch(function (problem) {
      if (problem === null) { return; }
      if (auto && autoTries++ < 60) { setTimeout(function () { submit(true); }, 2000); }
      else if (auto) { done(config.urls.result); }
      else { submitError(S.submitFailed); }
    });
  }

  function done(url) {
    finished = true;
    queue = {}; storeQueue();
    window.location.assign(url);
  }

  // --- reconcile with the server --------------------------------------------------------------
  // The page may have been rendered while a save from the previous page (or
  // another device) was still in flight: ask the server once more, keep what
  // is queued here, and take the server's answer for everything else.
  function sync() {
    var asked = ++step;
    return request("GET", config.urls.attempt).then(function (res) {
      var data = res.data || {};
      if (res.status !== 200) { return; }
      if (data.status && data.status !== "in_progress") {
        done((data.result && data.result.result_url) || config.urls.result);
        return;
      }
      moveDeadline(data.deadline);
      fieldsets.forEach(function (f) {
        var position = f.dataset.position;
        if (Object.prototype.hasOwnProperty.call(queue, position)) { return; }
        // Saved by this page after the server read its answer: the page is newer.
        if ((touchedAt[position] || 0) > asked) { return; }
        var tokens = (data.answers || {})[position] || [];
        if (!sameTokens(tokensOf(position), tokens)) { setTokens(position, tokens); }
        setQuestionStatus(position, tokens.length ? S.saved : "", tokens.length ? "saved" : "");
      });
      refreshNav();
    }).catch(function () { /* offline: the page and the queue are what we have */ })
      .then(function () { form.dataset.synced = "1"; });
  }

  // --- start -------------------------------------------------------------------------------------
  Object.keys(queue).forEach(function (position) {
    if (!fieldset(position)) { delete queue[position]; return; }
    setTokens(position, queue[position]);
    setQuestionStatus(position, S.queued, "queued");
  });
  storeQueue();
  var firstUnanswered = unanswered()[0];
  current = firstUnanswered || 1;
  form.classList.add("is-enhanced");
  render();
  refreshSaveState();
  tick();
  setInterval(tick, 500);
  window.addEventListener("online", function () { retryDelay = 1000; flush(); });
  window.addEventListener("pageshow", function () { tick(); flush(); });
  flush();
  sync();
})();
