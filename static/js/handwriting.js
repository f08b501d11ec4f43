// Write mode: one canvas per line (pointer events: pen, touch, mouse). After each pause in writing the line's ink
// is sent to the server, which queues it for the ocr worker; the reading is polled until it arrives or the
// deadline passes ("type it"). The student confirms every line; only then can the solution be submitted.
// No inline handlers anywhere, so it runs under a strict Content-Security-Policy.
(function () {
  "use strict";

  var PAUSE_MS = 450; // a pause this long after a stroke asks for a reading
  var POLL_MS = 100; // first polls come quickly; the reading usually takes well under a second
  var MIN_STEP_PX = 1.5; // points closer than this to the previous one add nothing

  function intData(el, name, fallback) {
    var value = parseInt(el.getAttribute("data-" + name), 10);
    return isNaN(value) ? fallback : value;
  }

  function typeset(el, text) {
    el.textContent = "";
    if (!text) return;
    if (window.katex && typeof window.katex.render === "function") {
      try {
        window.katex.render(text, el, { throwOnError: false, trust: false, maxExpand: 1000, maxSize: 20 });
        return;
      } catch (e) { /* fall through to plain text */ }
    }
    el.textContent = text;
  }

  function csrfToken(root) {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function WriteMode(root) {
    this.root = root;
    this.url = root.getAttribute("data-recognise-url");
    this.limits = {
      strokes: intData(root, "max-strokes", 60),
      pointsPerStroke: intData(root, "max-points-per-stroke", 500),
      points: intData(root, "max-points", 4000),
      lines: intData(root, "max-lines", 30),
      deadline: intData(root, "deadline-ms", 3000),
    };
    this.confirmBelow = parseFloat(root.getAttribute("data-confirm-below")) || 0.8;
    this.list = root.querySelector("[data-hw-lines]");
    this.template = root.querySelector("[data-hw-line-template]");
    this.form = root.querySelector("[data-hw-form]");
    this.submitButton = root.querySelector("[data-hw-submit]");
    this.summary = root.querySelector("[data-hw-summary]");
    this.lines = [];
    if (!this.list || !this.template) return;
    var self = this;
    root.querySelector("[data-hw-add]").addEventListener("click", function () {
      var line = self.addLine();
      if (line) line.canvas.focus();
    });
    this.form.addEventListener("submit", function (event) { self.onSubmit(event); });
    window.addEventListener("resize", function () { self.lines.forEach(function (l) { l.resize(); }); });
    this.addLine();
  }

  WriteMode.prototype.addLine = function () {
    if (this.lines.length >= this.limits.lines) {
      this.say("A handwritten solution has at most " + this.limits.lines + " lines.");
      return null;
    }
    var fragment = this.template.content.cloneNode(true);
    var li = fragment.querySelector(".hw-line");
    this.list.appendChild(fragment);
    var line = new Line(this, li);
    this.lines.push(line);
    this.update();
    return line;
  };

  WriteMode.prototype.removeLine = function (line) {
    if (this.lines.length === 1) { line.clear(); return; }
    line.dispose();
    this.lines.splice(this.lines.indexOf(line), 1);
    line.li.remove();
    this.update();
  };

  WriteMode.prototype.say = function (text) {
    if (this.summary) this.summary.textContent = text;
  };

  // Submit only when every line that has ink or text is confirmed and nothing is still being read.
  WriteMode.prototype.update = function () {
    var used = this.lines.filter(function (l) { return !l.isEmpty(); });
    var unconfirmed = used.filter(function (l) { return l.state !== "confirmed"; });
    var ready = used.length > 0 && unconfirmed.length === 0;
    if (this.submitButton) this.submitButton.disabled = !ready;
    if (!used.length) this.say("Write your first step.");
    else if (unconfirmed.length) this.say("Confirm " + (unconfirmed.length === 1 ? "1 more line" : unconfirmed.length + " more lines") + " to submit.");
    else this.say(used.length + (used.length === 1 ? " line" : " lines") + " confirmed: ready to submit.");
  };

  WriteMode.prototype.onSubmit = function (event) {
    this.update();
    if (this.submitButton && this.submitButton.disabled) { event.preventDefault(); return; }
    var lines = this.lines.filter(function (l) { return !l.isEmpty(); }).map(function (l) {
      return { text: l.text.value.trim(), recognition: l.strokes.length ? l.recognitionId : null };
    });
    this.form.querySelector("[data-hw-payload]").value = JSON.stringify(lines);
    if (this.submitButton) this.submitButton.disabled = true;
  };

  function Line(mode, li) {
    var self = this;
    this.mode = mode;
    this.li = li;
    this.canvas = li.querySelector("canvas");
    this.ctx = this.canvas.getContext("2d");
    this.typesetEl = li.querySelector("[data-hw-typeset]");
    this.message = li.querySelector("[data-hw-message]");
    this.alternatives = li.querySelector("[data-hw-alternatives]");
    this.text = li.querySelector("[data-hw-text]");
    this.confirmButton = li.querySelector("[data-hw-confirm]");
    this.strokes = [];
    this.current = null;
    this.points = 0;
    this.revision = 0;
    this.timer = null;
    this.pollTimer = null;
    this.recognitionId = null;
    this.state = "empty";
    var number = mode.lines.length + 1;
    this.canvas.setAttribute("aria-label", "Line " + number + ": write here");
    this.canvas.tabIndex = 0;
    this.text.setAttribute("aria-label", "Line " + number + " as text");
    this.canvas.addEventListener("pointerdown", function (e) { self.down(e); });
    this.canvas.addEventListener("pointermove", function (e) { self.move(e); });
    this.canvas.addEventListener("pointerup", function (e) { self.up(e); });
    this.canvas.addEventListener("pointercancel", function (e) { self.up(e); });
    li.querySelector("[data-hw-undo]").addEventListener("click", function () { self.undo(); });
    li.querySelector("[data-hw-clear]").addEventListener("click", function () { self.clear(); });
    li.querySelector("[data-hw-remove]").addEventListener("click", function () { mode.removeLine(self); });
    this.text.addEventListener("input", function () { self.typed(); });
    this.text.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); self.confirm(); }
    });
    this.confirmButton.addEventListener("click", function () { self.confirm(); });
    this.resize();
  }

  Line.prototype.isEmpty = function () {
    return !this.strokes.length && !this.text.value.trim();
  };

  Line.prototype.resize = function () {
    var ratio = window.devicePixelRatio || 1;
    var box = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(box.width * ratio));
    this.canvas.height = Math.max(1, Math.round(box.height * ratio));
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.redraw();
  };

  Line.prototype.redraw = function () {
    var ctx = this.ctx;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#1d2330";
    var all = this.current ? this.strokes.concat([this.current]) : this.strokes;
    all.forEach(function (stroke) {
      ctx.beginPath();
      ctx.moveTo(stroke[0][0], stroke[0][1]);
      if (stroke.length === 1) ctx.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
      for (var i = 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0], stroke[i][1]);
      ctx.stroke();
    });
  };

  Line.prototype.point = function (e) {
    var box = this.canvas.getBoundingClientRect();
    var x = Math.min(Math.max(e.clientX - box.left, 0), box.width);
    var y = Math.min(Math.max(e.clientY - box.top, 0), box.height);
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  };

  Line.prototype.down = function (e) {
    if (e.button !== undefined && e.button > 0) return;
    if (this.strokes.length >= this.mode.limits.strokes || this.points >= this.mode.limits.points) {
      this.show("error", "This line is full: start a new line for the next step.");
      return;
    }
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    clearTimeout(this.timer);
    this.current = [this.point(e)];
    this.points += 1;
    this.redraw();
  };

  Line.prototype.move = function (e) {
    if (!this.current) return;
    e.preventDefault();
    var events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    if (!events.length) events = [e];
    for (var i = 0; i < events.length; i++) {
      if (this.current.length >= this.mode.limits.pointsPerStroke || this.points >= this.mode.limits.points) break;
      var p = this.point(events[i]);
      var last = this.current[this.current.length - 1];
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < MIN_STEP_PX) continue;
      this.current.push(p);
      this.points += 1;
    }
    this.redraw();
  };

  Line.prototype.up = function () {
    if (!this.current) return;
    this.strokes.push(this.current);
    this.current = null;
    this.redraw();
    this.inkChanged();
  };

  Line.prototype.undo = function () {
    var stroke = this.strokes.pop();
    if (!stroke) return;
    this.points -= stroke.length;
    this.redraw();
    this.inkChanged();
  };

  Line.prototype.clear = function () {
    this.strokes = [];
    this.points = 0;
    this.text.value = "";
    this.redraw();
    this.inkChanged();
  };

  Line.prototype.dispose = function () {
    clearTimeout(this.timer);
    clearTimeout(this.pollTimer);
    this.revision += 1;
  };

  // New ink: the old reading no longer holds, and a new one is asked for after a pause.
  Line.prototype.inkChanged = function () {
    var self = this;
    clearTimeout(this.timer);
    clearTimeout(this.pollTimer);
    this.revision += 1;
    this.recognitionId = null;
    if (!this.strokes.length) {
      this.text.value = "";
      typeset(this.typesetEl, "");
      this.alternatives.hidden = true;
      this.show("empty", "Write this step in the box.");
      return;
    }
    this.show("writing", "Reading when you pause…");
    this.timer = setTimeout(function () { self.recognise(); }, PAUSE_MS);
  };

  Line.prototype.show = function (state, message) {
    this.state = state;
    this.li.setAttribute("data-state", state);
    this.message.textContent = message;
    this.confirmButton.disabled = !this.text.value.trim() || state === "writing" || state === "reading";
    this.confirmButton.textContent = state === "confirmed" ? "Confirmed ✓" : "Confirm line";
    this.mode.update();
  };

  Line.prototype.recognise = function () {
    var self = this;
    var revision = this.revision;
    var box = this.canvas.getBoundingClientRect();
    var body = JSON.stringify({
      width: Math.max(1, Math.round(box.width)), height: Math.max(1, Math.round(box.height)), strokes: this.strokes,
    });
    var giveUpAt = Date.now() + this.mode.limits.deadline + 1500;
    this.show("reading", "Reading…");
    fetch(this.mode.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(this.mode.root) },
      body: body,
    }).then(function (response) {
      return response.json().catch(function () { return { status: "error", error: "The server did not answer." }; });
    }).then(function (state) {
      if (revision !== self.revision) return;
      self.received(state, revision, giveUpAt);
    }).catch(function () {
      if (revision === self.revision) self.failed("The server could not be reached; type this line.");
    });
  };

  Line.prototype.poll = function (url, revision, giveUpAt) {
    var self = this;
    if (Date.now() > giveUpAt) { this.failed("Couldn't recognise this line; type it in the box instead."); return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      return response.json();
    }).then(function (state) {
      if (revision !== self.revision) return;
      if (!state.poll) state.poll = url;
      self.received(state, revision, giveUpAt);
    }).catch(function () {
      if (revision === self.revision) self.failed("The server could not be reached; type this line.");
    });
  };

  Line.prototype.received = function (state, revision, giveUpAt) {
    var self = this;
    if (state.status === "pending") {
      this.recognitionId = state.id;
      this.pollTimer = setTimeout(function () { self.poll(state.poll, revision, giveUpAt); }, POLL_MS);
      return;
    }
    if (state.status === "done") { this.recognitionId = state.id; this.read(state); return; }
    if (state.status === "failed") { this.recognitionId = state.id; this.failed(state.message); return; }
    this.recognitionId = null;
    this.failed(state.error || "Couldn't recognise this line; type it in the box instead.", "error");
  };

  Line.prototype.read = function (state) {
    var self = this;
    this.text.value = state.text;
    typeset(this.typesetEl, state.text);
    var sure = state.confidence >= this.mode.confirmBelow;
    var percent = Math.round((state.confidence || 0) * 100);
    this.alternatives.textContent = "";
    var options = state.alternatives || [];
    this.alternatives.hidden = !options.length;
    if (options.length) {
      var label = document.createElement("span");
      label.textContent = sure ? "Or:" : "Did you mean:";
      this.alternatives.appendChild(label);
      options.forEach(function (option) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "hw-alternative";
        typeset(button, option.text);
        button.setAttribute("aria-label", "Use " + option.text);
        button.addEventListener("click", function () {
          self.text.value = option.text;
          typeset(self.typesetEl, option.text);
          self.show("read", "You picked another reading. Confirm it, or correct it by typing.");
        });
        self.alternatives.appendChild(button);
      });
    }
    this.show("read", sure
      ? "Read as shown (" + percent + "% sure). Confirm it, or correct it by typing."
      : "Not sure of this reading (" + percent + "%): pick another below or correct it by typing, then confirm.");
  };

  Line.prototype.failed = function (message, state) {
    typeset(this.typesetEl, "");
    this.alternatives.hidden = true;
    this.text.value = "";
    this.show(state || "failed", message || "Couldn't recognise this line; type it in the box instead.");
  };

  Line.prototype.typed = function () {
    typeset(this.typesetEl, this.text.value.trim());
    if (this.state === "writing" || this.state === "reading") {
      // The student types while the line is being read: their text wins, the late reading is dropped.
      clearTimeout(this.timer);
      clearTimeout(this.pollTimer);
      this.revision += 1;
    }
    this.show("typed", this.text.value.trim() ? "Typed. Confirm the line when it is right." : "Write this step, or type it.");
  };

  Line.prototype.confirm = function () {
    if (!this.text.value.trim() || this.confirmButton.disabled) return;
    this.show("confirmed", "Confirmed. Edit the text or write more to change it.");
  };

  function setMode(root, switcher, mode) {
    var typed = root.parentElement.querySelector("form.solution-form");
    switcher.querySelectorAll("[data-hw-mode]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-hw-mode") === mode));
    });
    root.hidden = mode !== "write";
    if (typed) typed.hidden = mode === "write";
    if (mode === "write") root.dispatchEvent(new CustomEvent("hw:shown"));
  }

  function init(root) {
    var switcher = root.previousElementSibling;
    if (!switcher || !switcher.hasAttribute("data-hw-switch")) return;
    var mode = null;
    switcher.hidden = false;
    switcher.querySelectorAll("[data-hw-mode]").forEach(function (button) {
      button.addEventListener("click", function () {
        var wanted = button.getAttribute("data-hw-mode");
        setMode(root, switcher, wanted);
        if (wanted === "write" && !mode && root.querySelector("[data-hw-lines]")) mode = new WriteMode(root);
        if (mode) mode.lines.forEach(function (l) { l.resize(); });
      });
    });
    if (window.location.hash === "#write-mode") switcher.querySelector("[data-hw-mode=write]").click();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-hw]").forEach(init);
  });
})();
