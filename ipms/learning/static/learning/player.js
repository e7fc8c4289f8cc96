/* Lesson player: heartbeats for honest learning time (docs/learning.md).
 *
 * Reads its configuration from data- attributes of #lesson-player (CSP: no inline
 * script). While the video plays and the page is visible it reports the position about
 * every `interval` seconds; it also reports at once when playback starts or stops, when
 * the page is hidden or shown, and when the page is left. The server decides what
 * counts; this script only keeps the learner from seeking past what they have watched
 * and shows what the server answered.
 */
(function () {
  "use strict";

  var root = document.getElementById("lesson-player");
  var video = document.getElementById("lesson-video");
  if (!root || !video || !window.fetch) {
    return;
  }

  var cfg = root.dataset;
  var url = cfg.heartbeatUrl;
  var viewId = cfg.viewId;
  var csrfToken = cfg.csrfToken;
  var intervalMs = Math.max(1, Number(cfg.interval) || 15) * 1000;
  var idleMs = Math.max(0, Number(cfg.idleMinutes) || 0) * 60000;
  var duration = Number(cfg.duration) || 0;
  var furthest = Number(cfg.furthest) || 0;
  var resume = Number(cfg.resume) || 0;

  var SEEK_SLACK = 1; // seconds past the furthest point the scrubber may go
  var MAX_RATE = 2; // the server treats faster progress as seeking

  var notice = document.getElementById("player-notice");
  var creditedText = document.getElementById("player-credited");
  var completedMark = document.getElementById("player-completed");
  var bar = document.getElementById("player-progress");
  var listState = document.getElementById("current-lesson-state");
  var idleBox = document.getElementById("player-idle");
  var idleButton = document.getElementById("player-idle-continue");

  var seq = 0;
  var timer = null;
  var queue = Promise.resolve();
  var stopped = false; // the session or the page expired: no more beats
  var interacted = true; // opening the page counts as an interaction
  var lastInteraction = Date.now();
  var lastGood = 0; // last position reached by playing (not by seeking)
  var pausedForHidden = false;
  var idle = false;

  function durationText(seconds) {
    var total = Math.floor(seconds);
    if (total <= 0) {
      return "0秒";
    }
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    if (hours) {
      return hours + "小时" + two(minutes) + "分";
    }
    if (minutes) {
      return minutes + "分" + two(secs) + "秒";
    }
    return secs + "秒";
  }

  function showNotice(text) {
    if (!notice) {
      return;
    }
    notice.textContent = text;
    notice.hidden = !text;
  }

  function isPlaying() {
    return !video.paused && !video.ended;
  }

  function beatBody(overrides) {
    seq += 1;
    var body = {
      view: viewId,
      seq: seq,
      position: Number((video.currentTime || 0).toFixed(2)),
      playing: isPlaying(),
      visible: document.visibilityState === "visible",
      interacted: interacted,
      start: false
    };
    interacted = false;
    for (var key in overrides) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) {
        body[key] = overrides[key];
      }
    }
    return body;
  }

  function post(body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken
      },
      body: JSON.stringify(body)
    }).then(handle, function () {
      /* Network hiccup: the next beat carries on (the server caps the interval). */
    });
  }

  // Beats go out one after another, so they reach the server in sequence order.
  function beat(overrides) {
    if (stopped) {
      return;
    }
    var body = beatBody(overrides || {});
    queue = queue.then(function () { return post(body); });
  }

  // Leaving the page: send at once (keepalive lets it outlive the page).
  function finalBeat() {
    if (stopped) {
      return;
    }
    post(beatBody({ playing: false }));
  }

  function stop(message) {
    stopped = true;
    stopTimer();
    if (isPlaying()) {
      video.pause();
    }
    showNotice(message);
  }

  function handle(response) {
    if (response.status === 401) {
      stop("登录已失效，请重新登录后继续学习（本页面的学习时长已保存）。");
      if (notice && cfg.loginUrl) {
        var link = document.createElement("a");
        link.href = cfg.loginUrl;
        link.className = "alert-link ms-1";
        link.textContent = "重新登录";
        notice.appendChild(link);
      }
      return;
    }
    if (response.status === 409 || response.status === 403) {
      // 409: the page's playback id expired; 403: e.g. the CSRF token changed because
      // the learner signed in again in another tab. Either way a fresh page fixes it.
      stop("本页面的学习记录已失效，请刷新页面后继续学习。");
      return;
    }
    if (!response.ok) {
      return;
    }
    return response.json().then(apply, function () {});
  }

  function apply(data) {
    if (typeof data.furthest === "number" && data.furthest > furthest) {
      furthest = data.furthest;
    }
    if (typeof data.credited_total === "number" && creditedText) {
      creditedText.textContent = durationText(data.credited_total);
      var percent = data.completed ? 100 : (duration ? Math.min(99, Math.floor(data.credited_total * 100 / duration)) : 0);
      if (bar) {
        bar.setAttribute("aria-valuenow", String(percent));
        var fill = bar.querySelector(".progress-bar");
        if (fill) {
          fill.style.width = percent + "%";
        }
      }
      if (listState) {
        listState.textContent = data.completed ? "已完成" : (data.credited_total > 0 ? "已学 " + percent + "%" : "未开始");
        listState.classList.toggle("text-success", Boolean(data.completed));
        listState.classList.toggle("text-secondary", !data.completed && !(data.credited_total > 0));
      }
    }
    if (data.completed && completedMark && completedMark.hidden) {
      completedMark.hidden = false;
    }
    if (data.seek_refused) {
      if (video.currentTime > furthest + SEEK_SLACK) {
        video.currentTime = furthest;
      }
      showNotice("只能拖动到已经观看过的位置。");
    }
    if (data.paused_other_view && isPlaying()) {
      video.pause();
      showNotice("您正在其他窗口或设备学习，本窗口暂停计时。点击播放可在本窗口继续学习。");
    }
    if (data.idle_prompt) {
      askIfStillThere();
    }
  }

  function startTimer() {
    if (timer === null) {
      timer = window.setInterval(function () {
        if (isPlaying()) {
          beat();
        }
      }, intervalMs);
    }
  }

  function stopTimer() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  // --- resume, and no seeking past what was watched ------------------------------------

  video.addEventListener("loadedmetadata", function () {
    var length = video.duration || duration;
    if (resume > 1 && (!length || resume < length - 2)) {
      video.currentTime = Math.min(resume, furthest + SEEK_SLACK);
    }
    lastGood = video.currentTime || 0;
  });

  video.addEventListener("timeupdate", function () {
    if (video.seeking) {
      return;
    }
    var now = video.currentTime;
    // Natural playback moves a fraction of a second per event; a bigger step is a seek.
    if (now >= lastGood && now - lastGood < 3) {
      if (now > furthest) {
        furthest = now;
      }
    }
    lastGood = now;
  });

  video.addEventListener("seeking", function () {
    if (video.currentTime > furthest + SEEK_SLACK) {
      video.currentTime = furthest;
      showNotice("只能拖动到已经观看过的位置。");
    }
  });

  video.addEventListener("ratechange", function () {
    if (video.playbackRate > MAX_RATE) {
      video.playbackRate = MAX_RATE;
    }
  });

  // --- playback state ------------------------------------------------------------------

  video.addEventListener("play", function () {
    if (stopped) {
      video.pause();
      return;
    }
    if (idle) {
      hideIdle();
    }
    showNotice("");
    // Pressing play here makes this window the one that accrues time.
    beat({ start: true, playing: true });
    startTimer();
  });

  video.addEventListener("pause", function () {
    stopTimer();
    beat({ playing: false });
  });

  video.addEventListener("ended", function () {
    stopTimer();
    beat({ playing: false });
  });

  // A hidden page accrues nothing: pause, and carry on when the learner comes back.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (isPlaying()) {
        pausedForHidden = true;
        video.pause();
      }
    } else if (pausedForHidden) {
      pausedForHidden = false;
      if (!idle && !stopped) {
        var played = video.play();
        if (played && played.catch) {
          played.catch(function () {});
        }
      }
    }
  });

  window.addEventListener("pagehide", finalBeat);

  // --- “您还在学习吗?” -----------------------------------------------------------------

  function markInteraction() {
    lastInteraction = Date.now();
    interacted = true;
  }

  ["pointerdown", "keydown", "wheel", "touchstart", "mousemove"].forEach(function (name) {
    document.addEventListener(name, markInteraction, { passive: true, capture: true });
  });

  function askIfStillThere() {
    if (idle || !idleBox) {
      return;
    }
    idle = true;
    if (isPlaying()) {
      video.pause();
    }
    idleBox.hidden = false;
    if (idleButton) {
      idleButton.focus();
    }
  }

  function hideIdle() {
    idle = false;
    if (idleBox) {
      idleBox.hidden = true;
    }
  }

  if (idleButton) {
    idleButton.addEventListener("click", function () {
      markInteraction();
      hideIdle();
      var played = video.play();
      if (played && played.catch) {
        played.catch(function () {});
      }
    });
  }

  if (idleMs > 0) {
    window.setInterval(function () {
      if (isPlaying() && Date.now() - lastInteraction > idleMs) {
        askIfStillThere();
      }
    }, 5000);
  }
})();
