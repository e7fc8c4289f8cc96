/* Slider check, verified on the server (ipms/core/slider.py).
 *
 * The page fetches a signed challenge (a track length in "units"), the user drags the
 * handle to the right end (or presses the right arrow key), and the page posts the final
 * position, the drag time and a sampled trace. The server answers with a one-time pass
 * token, which goes into the hidden input the form submits. No inline script (CSP
 * script-src 'self'); several sliders per page and htmx-inserted ones are supported.
 */
(function () {
  "use strict";

  var KEY_STEP = 0.05;        // one arrow key press moves 5 % of the track
  var END = 0.98;             // released beyond this counts as "at the right end"
  var SAMPLE_MS = 16;         // at most one trace point per frame
  var MAX_POINTS = 300;       // the server accepts up to 400
  var REFRESH_MARGIN_S = 30;  // fetch a new challenge when the old one is this close to expiry

  function csrfToken(root) {
    var form = root.closest("form");
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function now() {
    return window.performance && performance.now ? performance.now() : Date.now();
  }

  function init(root) {
    if (root.getAttribute("data-slider-ready")) {
      return;
    }
    root.setAttribute("data-slider-ready", "1");

    var track = root.querySelector(".ipms-slider-track");
    var fill = root.querySelector(".ipms-slider-fill");
    var text = root.querySelector(".ipms-slider-text");
    var handle = root.querySelector(".ipms-slider-handle");
    var status = root.querySelector(".ipms-slider-status");
    var input = root.querySelector("[data-slider-input]");

    var challenge = null;      // {token, target, expires_in, fetchedAt}
    var loading = null;        // Promise of the challenge being fetched
    var frac = 0;              // handle position, 0..1
    var started = 0;           // time the current attempt began (0 = idle)
    var trace = [];            // [[ms since start, frac], ...]
    var dragging = false;
    var grabOffset = 0;
    var busy = false;
    var passed = false;

    function say(message, isError) {
      status.textContent = message || "";
      status.classList.toggle("is-error", !!isError);
    }

    function maxPx() {
      return Math.max(1, track.clientWidth - handle.offsetWidth);
    }

    function draw() {
      var px = frac * maxPx();
      handle.style.transform = "translateX(" + px + "px)";
      fill.style.width = px + handle.offsetWidth / 2 + "px";
      var percent = Math.round(frac * 100);
      handle.setAttribute("aria-valuenow", String(percent));
      handle.setAttribute("aria-valuetext", passed ? "验证通过" : percent + "%");
    }

    function fetchChallenge() {
      loading = fetch(root.getAttribute("data-challenge-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok || !data.ok) {
              throw new Error(data.message || "验证服务暂时不可用，请稍后再试。");
            }
            data.fetchedAt = Date.now();
            challenge = data;
            return data;
          });
        })
        .catch(function (error) {
          challenge = null;
          loading = null;
          throw error;
        });
      return loading;
    }

    function freshChallenge() {
      var stale = !challenge ||
        Date.now() - challenge.fetchedAt > (challenge.expires_in - REFRESH_MARGIN_S) * 1000;
      if (stale && !loading) {
        return fetchChallenge();
      }
      if (stale) {
        return loading;
      }
      return Promise.resolve(challenge);
    }

    function record() {
      var t = Math.round(now() - started);
      var last = trace[trace.length - 1];
      if (last && t - last[0] < SAMPLE_MS && frac < END) {
        return;
      }
      trace.push([t, frac]);
      if (trace.length > MAX_POINTS) {
        // Thin the middle, keeping the first and the latest points.
        trace = [trace[0]].concat(trace.slice(1, -1).filter(function (_, i) { return i % 2; }),
          [trace[trace.length - 1]]);
      }
    }

    function begin() {
      if (passed || busy) {
        return false;
      }
      if (!started) {
        started = now();
        trace = [[0, frac]];
        say("");
        freshChallenge().catch(function () { /* reported when the attempt ends */ });
      }
      return true;
    }

    function reset(message) {
      started = 0;
      trace = [];
      dragging = false;
      root.classList.add("is-resetting");
      frac = 0;
      draw();
      window.setTimeout(function () { root.classList.remove("is-resetting"); }, 300);
      if (message) {
        say(message, true);
      }
    }

    function succeed(passToken) {
      passed = true;
      input.value = passToken;
      root.classList.add("is-passed");
      root.classList.remove("is-invalid");
      handle.setAttribute("aria-disabled", "true");
      handle.removeAttribute("aria-invalid");
      text.textContent = text.getAttribute("data-passed");
      handle.firstElementChild.textContent = "\u2713";
      frac = 1;
      draw();
      // The server's "请先完成滑块验证。" from the last submit no longer applies.
      var serverError = input.id && document.getElementById(input.id + "_error");
      if (serverError) {
        serverError.remove();
      }
      say("验证通过");
    }

    function submit() {
      var duration = Math.round(now() - started);
      var points = trace.slice();
      busy = true;
      root.classList.add("is-busy");
      say("正在验证…");
      freshChallenge()
        .then(function (current) {
          // The challenge is spent by this attempt, right or wrong.
          challenge = null;
          loading = null;
          var target = current.target;
          return fetch(root.getAttribute("data-verify-url"), {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-CSRFToken": csrfToken(root)
            },
            body: JSON.stringify({
              token: current.token,
              position: Math.round(frac * target),
              duration_ms: duration,
              trace: points.map(function (p) { return [p[0], Math.round(p[1] * target)]; })
            })
          });
        })
        .then(function (response) {
          return response.json();
        })
        .then(function (data) {
          if (data.ok) {
            succeed(data.pass_token);
          } else {
            reset(data.message || "验证未通过，请重新拖动滑块。");
          }
        })
        .catch(function (error) {
          reset(error && error.message ? error.message : "网络异常，请稍后再试。");
        })
        .then(function () {
          busy = false;
          root.classList.remove("is-busy");
        });
    }

    function moveTo(value) {
      frac = Math.min(1, Math.max(0, value));
      draw();
      record();
    }

    // Pointer (mouse, touch, pen)
    handle.addEventListener("pointerdown", function (event) {
      if (!begin()) {
        return;
      }
      dragging = true;
      grabOffset = event.clientX - frac * maxPx();
      try {
        handle.setPointerCapture(event.pointerId);
      } catch (ignored) {
        /* synthetic events have no capturable pointer */
      }
      event.preventDefault();
    });
    handle.addEventListener("pointermove", function (event) {
      if (dragging) {
        moveTo((event.clientX - grabOffset) / maxPx());
      }
    });
    function release() {
      if (!dragging) {
        return;
      }
      dragging = false;
      if (frac >= END) {
        frac = 1;
        draw();
        record();
        submit();
      } else {
        reset();
      }
    }
    handle.addEventListener("pointerup", release);
    handle.addEventListener("pointercancel", function () {
      dragging = false;
      reset();
    });

    // Keyboard: the arrow keys move the handle; reaching the end submits.
    handle.addEventListener("keydown", function (event) {
      var key = event.key;
      var forward = key === "ArrowRight" || key === "ArrowUp" || key === "Right" || key === "Up";
      var back = key === "ArrowLeft" || key === "ArrowDown" || key === "Left" || key === "Down";
      if (key === "Escape" && started && !busy) {
        reset();
        return;
      }
      if (!forward && !back) {
        return;
      }
      event.preventDefault();
      if (!begin()) {
        return;
      }
      moveTo(frac + (forward ? KEY_STEP : -KEY_STEP));
      if (frac >= 1) {
        submit();
      }
    });

    window.addEventListener("resize", draw);
    fetchChallenge().catch(function (error) { say(error.message, true); });
    draw();
  }

  function initAll(scope) {
    var roots = (scope || document).querySelectorAll("[data-slider]");
    Array.prototype.forEach.call(roots, init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  } else {
    initAll(document);
  }
  document.addEventListener("htmx:load", function (event) { initAll(event.target); });
})();
