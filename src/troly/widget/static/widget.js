/*!
 * Trợ lý CCHC — chat widget. One tag embeds it:
 *   <script src="https://HOST/widget.js" data-title="Trợ lý CCHC" data-province="Phú Yên" defer></script>
 * Options (data-*): title, province (restrict answers to one province), library ("plans" =
 * only the reform plans, "laws" = only the legal documents, "both" = default), api (base
 * URL of the troly server; default: where this script came from), greeting, position
 * (right|left), open ("true" to start open).
 * The greeting says which provinces and years the server's index covers and offers a few
 * example questions (GET {api}/widget/scope), so it is never out of date.
 * Plain JavaScript, no dependencies, no build step. Everything lives in a Shadow DOM, and
 * every piece of text is inserted with textContent (never as HTML).
 */
(function () {
  "use strict";
  if (window.__trolyWidgetLoaded) return;
  window.__trolyWidgetLoaded = true;

  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll("script[src*='widget.js']");
    script = all[all.length - 1];
  }
  var data = (script && script.dataset) || {};
  // data-library → the API's kind filter ("plan" = plans' sections and tasks, "article" = laws)
  var LIBRARY_KIND = { plans: "plan", laws: "article", both: null };
  var scriptUrl = script && script.src ? new URL(script.src, location.href) : new URL(location.href);
  var cfg = {
    title: (data.title || "Trợ lý CCHC").slice(0, 80),
    province: (data.province || "").slice(0, 100),
    library: LIBRARY_KIND.hasOwnProperty(data.library) ? data.library : "both",
    api: (data.api || scriptUrl.origin).replace(/\/+$/, ""),
    greeting: data.greeting || "",
    position: data.position === "left" ? "left" : "right",
    open: data.open === "true"
  };
  var STORE_KEY = "troly-widget:" + cfg.api + ":" + cfg.province + ":" + cfg.library;
  var MAX_HISTORY = 4;
  var MAX_QUESTION = 2000;
  var MAX_COMMENT = 1000;

  var CSS = [
    ":host{all:initial !important;display:block !important;position:static !important;}",
    "*,*::before,*::after{box-sizing:border-box;}",
    ".root{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;",
    "  font-size:15px;line-height:1.45;color:#1f2937;-webkit-text-size-adjust:100%;}",
    ".launcher{position:fixed;bottom:20px;" + cfg.position + ":20px;z-index:2147483000;",
    "  width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;background:#b91c1c;color:#fff;",
    "  box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;}",
    ".launcher:hover{background:#991b1b;}",
    ".launcher svg{width:28px;height:28px;fill:currentColor;}",
    ".panel{position:fixed;bottom:92px;" + cfg.position + ":20px;z-index:2147483001;",
    "  width:min(400px,calc(100vw - 24px));height:min(620px,calc(100vh - 112px));",
    "  display:flex;flex-direction:column;background:#fff;border-radius:14px;overflow:hidden;",
    "  box-shadow:0 12px 40px rgba(0,0,0,.3);border:1px solid #e5e7eb;}",
    ".panel[hidden]{display:none;}",
    "header{display:flex;align-items:center;gap:6px;padding:10px 12px;background:#b91c1c;color:#fff;}",
    "header h2{flex:1;margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;}",
    ".icon-btn{border:0;background:transparent;color:inherit;cursor:pointer;border-radius:8px;",
    "  min-width:36px;height:36px;padding:0 8px;font-size:14px;font-family:inherit;}",
    ".icon-btn:hover{background:rgba(255,255,255,.15);}",
    ".close{font-size:24px;line-height:1;}",
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f9fafb;display:flex;flex-direction:column;gap:10px;}",
    ".msg{max-width:92%;padding:9px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere;}",
    ".user{align-self:flex-end;background:#b91c1c;color:#fff;border-bottom-right-radius:4px;}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #e5e7eb;border-bottom-left-radius:4px;}",
    ".bot.refused{background:#fffbeb;border-color:#fcd34d;}",
    ".bot.error{background:#fef2f2;border-color:#fca5a5;color:#991b1b;}",
    ".pending .text::after{content:'▍';animation:blink 1s steps(2) infinite;}",
    "@keyframes blink{50%{opacity:0;}}",
    ".chip{white-space:nowrap;}",
    ".examples{display:flex;flex-direction:column;gap:6px;margin-top:8px;white-space:normal;}",
    ".example{text-align:left;border:1px solid #fca5a5;background:#fff;color:#991b1b;border-radius:10px;",
    "  padding:6px 10px;font:inherit;font-size:14px;cursor:pointer;min-height:36px;}",
    ".example:hover{background:#fee2e2;}",
    ".cite{border:0;background:#fee2e2;color:#991b1b;border-radius:4px;padding:0 3px;margin:0 1px;",
    "  font:inherit;font-size:12px;cursor:pointer;vertical-align:baseline;}",
    ".sources{margin-top:8px;border-top:1px solid #e5e7eb;padding-top:6px;white-space:normal;}",
    ".sources h3{margin:0 0 4px;font-size:13px;color:#6b7280;font-weight:600;}",
    ".sources ol{margin:0;padding:0;list-style:none;display:flex;flex-direction:column;gap:4px;}",
    "details{border:1px solid #e5e7eb;border-radius:8px;background:#f9fafb;}",
    "summary{cursor:pointer;padding:6px 8px;font-size:13px;}",
    "summary .n{font-weight:700;color:#991b1b;margin-right:4px;}",
    "summary .loc{color:#6b7280;}",
    "blockquote{margin:0;padding:6px 10px 8px;font-size:13px;white-space:pre-wrap;max-height:220px;",
    "  overflow-y:auto;border-top:1px solid #e5e7eb;color:#374151;}",
    ".rate{display:flex;gap:6px;align-items:center;margin-top:6px;font-size:12px;color:#6b7280;white-space:normal;}",
    ".rate button{border:1px solid #d1d5db;background:#fff;color:#4b5563;border-radius:6px;cursor:pointer;min-width:36px;min-height:32px;",
    "  display:inline-flex;align-items:center;justify-content:center;}",
    ".rate svg{width:16px;height:16px;fill:currentColor;}",
    ".rate button[aria-pressed=true]{background:#fee2e2;border-color:#b91c1c;color:#b91c1c;}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb;background:#fff;}",
    "textarea{flex:1;resize:none;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;",
    "  font:inherit;min-height:44px;max-height:120px;color:#111827;background:#fff;}",
    "form.comment{flex-direction:column;gap:6px;margin-top:8px;padding:8px;border:1px solid #fca5a5;",
    "  border-radius:8px;background:#fff;white-space:normal;}",
    ".comment label{font-size:13px;color:#374151;}",
    ".comment textarea{min-height:56px;font-size:14px;}",
    ".comment-actions{display:flex;gap:6px;align-items:center;flex-wrap:wrap;font-size:12px;color:#6b7280;}",
    ".comment-send,.comment-skip{border-radius:8px;padding:0 12px;min-height:34px;font:inherit;font-size:13px;cursor:pointer;}",
    ".comment-send{border:0;background:#b91c1c;color:#fff;font-weight:600;}",
    ".comment-send:disabled{background:#9ca3af;cursor:wait;}",
    ".comment-skip{border:1px solid #d1d5db;background:#fff;color:#4b5563;}",
    ".comment-thanks{margin:6px 0 0;font-size:12px;color:#6b7280;white-space:normal;}",
    ".send{border:0;border-radius:10px;background:#b91c1c;color:#fff;padding:0 16px;font:inherit;font-weight:600;cursor:pointer;min-height:44px;}",
    ".send:disabled{background:#9ca3af;cursor:wait;}",
    ".note{margin:0;padding:0 12px 8px;font-size:11px;color:#6b7280;background:#fff;}",
    ".sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0;}",
    ":focus-visible{outline:3px solid #2563eb;outline-offset:2px;}",
    "@media (max-width:480px){.panel{inset:0;width:100vw;height:100vh;height:100dvh;border-radius:0;border:0;}",
    "  .launcher{bottom:14px;" + cfg.position + ":14px;}}"
  ].join("\n");

  // -- tiny DOM helpers (text only, never HTML) ---------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
      }
    }
    if (text != null) node.textContent = String(text);
    return node;
  }
  var ICONS = {
    chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z",
    up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down: "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z"
  };
  function svgIcon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  // -- state (sessionStorage) ----------------------------------------------------------------
  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (s && Array.isArray(s.turns)) return s;
    } catch (e) {
      /* storage unavailable or corrupt: start afresh */
    }
    return { turns: [], open: false };
  }
  var state = load();
  function save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      /* quota or privacy mode: the conversation just isn't remembered */
    }
  }

  // -- build the widget ------------------------------------------------------------------
  var host = document.createElement("troly-widget");
  var root = host.attachShadow({ mode: "open" });
  var style = el("style", null, CSS);
  root.appendChild(style);

  var wrap = el("div", { class: "root" });
  root.appendChild(wrap);

  var panelId = "troly-panel";
  var launcher = el("button", {
    type: "button",
    class: "launcher",
    "aria-label": "Mở " + cfg.title,
    "aria-haspopup": "dialog",
    "aria-expanded": "false",
    "aria-controls": panelId
  });
  launcher.appendChild(svgIcon("chat"));

  var panel = el("div", {
    id: panelId,
    class: "panel",
    role: "dialog",
    "aria-modal": "true",
    "aria-labelledby": "troly-title",
    hidden: ""
  });
  var header = el("header");
  header.appendChild(el("h2", { id: "troly-title" }, cfg.title));
  var newBtn = el(
    "button",
    { type: "button", class: "icon-btn new", "aria-label": "Bắt đầu cuộc trò chuyện mới" },
    "Mới"
  );
  var closeBtn = el("button", { type: "button", class: "icon-btn close", "aria-label": "Đóng trợ lý" }, "×");
  header.appendChild(newBtn);
  header.appendChild(closeBtn);

  var log = el("div", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Cuộc trò chuyện",
    tabindex: "0"
  });
  var form = el("form", { "aria-label": "Gửi câu hỏi" });
  var label = el("label", { for: "troly-input", class: "sr-only" }, "Câu hỏi của bạn");
  var input = el("textarea", {
    id: "troly-input",
    rows: "2",
    maxlength: String(MAX_QUESTION),
    placeholder: "Nhập câu hỏi… (Enter để gửi)",
    autocomplete: "off"
  });
  var send = el("button", { type: "submit", class: "send", "aria-label": "Gửi câu hỏi" }, "Gửi");
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  var note = el(
    "p",
    { class: "note" },
    "Câu trả lời được trích từ các kế hoạch CCHC" +
      (cfg.province ? " của tỉnh " + cfg.province : "") +
      "; xin kiểm tra nguồn trước khi sử dụng."
  );
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  panel.appendChild(note);
  wrap.appendChild(launcher);
  wrap.appendChild(panel);

  // -- rendering ---------------------------------------------------------------------------
  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }
  function addUser(text) {
    var m = el("div", { class: "msg user" });
    m.appendChild(el("span", { class: "sr-only" }, "Bạn hỏi: "));
    m.appendChild(document.createTextNode(text));
    log.appendChild(m);
    scrollDown();
    return m;
  }
  function addBot(text, extraClass) {
    var m = el("div", { class: "msg bot" + (extraClass ? " " + extraClass : "") });
    m.appendChild(el("span", { class: "sr-only" }, "Trợ lý trả lời: "));
    var t = el("span", { class: "text" }, text || "");
    m.appendChild(t);
    log.appendChild(m);
    scrollDown();
    return m;
  }
  // Answer text with each [n] as a button that opens source n; text nodes only.
  function renderAnswerText(node, text, msg) {
    node.textContent = "";
    var re = /\[(\d{1,2})\]/g;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      var n = m[1];
      var chip = el("span", { class: "chip" });
      var b = el("button", { type: "button", class: "cite", "aria-label": "Xem nguồn " + n }, "[" + n + "]");
      chip.appendChild(b);
      b.addEventListener(
        "click",
        (function (num) {
          return function () {
            var d = msg.querySelector('details[data-n="' + num + '"]');
            if (d) {
              d.open = true;
              var s = d.querySelector("summary");
              if (s) s.focus();
            }
          };
        })(n)
      );
      // Punctuation right after a marker stays on its line ("…[1]." never wraps the ".").
      last = re.lastIndex;
      var punct = /^[.,;:!?…)\]»”"']+/.exec(text.slice(last));
      if (punct) {
        chip.appendChild(document.createTextNode(punct[0]));
        last += punct[0].length;
        re.lastIndex = last;
      }
      node.appendChild(chip);
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
  }
  function renderSources(msg, citations) {
    if (!citations || !citations.length) return;
    var box = el("div", { class: "sources" });
    box.appendChild(el("h3", null, "Nguồn trích dẫn"));
    var ol = el("ol");
    citations.forEach(function (c) {
      var li = el("li");
      var d = el("details", { "data-n": String(c.n) });
      var s = el("summary");
      s.appendChild(el("span", { class: "n" }, "[" + c.n + "]"));
      s.appendChild(document.createTextNode((c.title || c.doc_id || "") + " "));
      s.appendChild(el("span", { class: "loc" }, "— " + (c.location || "")));
      d.appendChild(s);
      d.appendChild(el("blockquote", null, c.text || ""));
      li.appendChild(d);
      ol.appendChild(li);
    });
    box.appendChild(ol);
    msg.appendChild(box);
  }
  function renderRating(msg, turn) {
    if (!turn.answer || !turn.answer.id) return;
    var row = el("div", { class: "rate", role: "group", "aria-label": "Đánh giá câu trả lời" });
    row.appendChild(el("span", null, "Câu trả lời có hữu ích không?"));
    var up = el("button", { type: "button", "aria-label": "Hữu ích", title: "Hữu ích", "aria-pressed": "false" });
    var down = el("button", {
      type: "button",
      "aria-label": "Chưa đúng",
      title: "Chưa đúng",
      "aria-pressed": "false"
    });
    up.appendChild(svgIcon("up"));
    down.appendChild(svgIcon("down"));
    var thanks = el("span", { role: "status" });
    function rate(value) {
      if (turn.rating) return;
      turn.rating = value;
      save();
      (value === "up" ? up : down).setAttribute("aria-pressed", "true");
      fetch(cfg.api + "/api/v1/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          answer_id: turn.answer.id,
          rating: value,
          question: turn.question,
          answer: turn.answer.answer,
          citations: turn.answer.citations
        })
      })
        .then(function (r) {
          if (!r.ok) throw new Error("feedback " + r.status);
          return r.json();
        })
        .then(function (body) {
          if (value === "down" && body && body.id) {
            turn.feedbackId = body.id;
            save();
            thanks.textContent = "Cảm ơn bạn!";
            renderComment(msg, turn, true);
          } else {
            thanks.textContent = "Cảm ơn bạn đã góp ý!";
          }
        })
        .catch(function () {
          thanks.textContent = "Chưa gửi được góp ý.";
        });
    }
    up.addEventListener("click", function () { rate("up"); });
    down.addEventListener("click", function () { rate("down"); });
    if (turn.rating) (turn.rating === "up" ? up : down).setAttribute("aria-pressed", "true");
    row.appendChild(up);
    row.appendChild(down);
    row.appendChild(thanks);
    msg.appendChild(row);
    if (turn.feedbackId && !turn.commented) renderComment(msg, turn);
  }
  // After 👎: a box to say what was wrong, added to the stored rating.
  function renderComment(msg, turn, focus) {
    if (msg.querySelector(".comment")) return;
    var n = log.querySelectorAll(".comment").length + 1;
    var id = "troly-comment-" + n + "-" + String(turn.feedbackId);
    var box = el("form", { class: "comment", "aria-label": "Góp ý về câu trả lời" });
    box.appendChild(
      el("label", { for: id }, "Câu trả lời chưa đúng ở điểm nào? (không bắt buộc)")
    );
    var area = el("textarea", {
      id: id,
      rows: "2",
      maxlength: String(MAX_COMMENT),
      placeholder: "Ví dụ: sai cơ quan chủ trì, thiếu thời hạn…"
    });
    var actions = el("div", { class: "comment-actions" });
    var submit = el("button", { type: "submit", class: "comment-send" }, "Gửi góp ý");
    var skip = el("button", { type: "button", class: "comment-skip" }, "Bỏ qua");
    var status = el("span", { role: "status", class: "comment-status" });
    actions.appendChild(submit);
    actions.appendChild(skip);
    actions.appendChild(status);
    box.appendChild(area);
    box.appendChild(actions);
    var EMPTY_HINT = "Xin vui lòng nhập nội dung góp ý.";
    function done() {
      turn.commented = true;
      save();
    }
    // the empty-comment hint goes away as soon as something is typed
    area.addEventListener("input", function () {
      if (status.textContent === EMPTY_HINT && area.value.trim()) status.textContent = "";
    });
    skip.addEventListener("click", function () {
      done();
      box.remove();
    });
    box.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = area.value.replace(/\s+/g, " ").trim();
      if (!text) {
        status.textContent = EMPTY_HINT;
        area.focus();
        return;
      }
      submit.disabled = true;
      status.textContent = "Đang gửi…";
      fetch(cfg.api + "/api/v1/feedback/" + encodeURIComponent(turn.feedbackId) + "/comment", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ answer_id: turn.answer.id, comment: text.slice(0, MAX_COMMENT) })
      })
        .then(function (r) {
          if (!r.ok) throw new Error("comment " + r.status);
          done();
          var note = el("p", { class: "comment-thanks", role: "status" }, "Cảm ơn bạn! Góp ý đã được ghi nhận.");
          box.replaceWith(note);
        })
        .catch(function () {
          submit.disabled = false;
          status.textContent = "Chưa gửi được góp ý. Xin vui lòng thử lại.";
        });
    });
    msg.appendChild(box);
    if (focus) setTimeout(function () { area.focus(); scrollDown(); }, 0);
  }
  function renderFinished(msg, turn) {
    var a = turn.answer;
    if (a.refused) msg.classList.add("refused");
    renderAnswerText(msg.querySelector(".text"), a.answer || "", msg);
    renderSources(msg, a.citations);
    renderRating(msg, turn);
  }
  // -- greeting: coverage and example questions from the server --------------------------------
  var scope = null;
  var greetingMsg = null;
  function joinVi(items) {
    if (items.length < 2) return items.join("");
    return items.slice(0, -1).join(", ") + " và " + items[items.length - 1];
  }
  function greetingText() {
    if (cfg.greeting) return cfg.greeting;
    var base = "Xin chào! Tôi trả lời câu hỏi về kế hoạch cải cách hành chính";
    if (!scope || !scope.available) {
      return base + (cfg.province ? " của tỉnh " + cfg.province : "") + ", kèm nguồn trích dẫn.";
    }
    var covered = (scope.provinces || []).map(function (p) {
      return p.province + (p.years && p.years.length ? " (năm " + p.years.join(", ") + ")" : "");
    });
    if (!covered.length) {
      return cfg.province
        ? "Xin chào! Hiện kho văn bản chưa có kế hoạch cải cách hành chính của tỉnh " + cfg.province + "."
        : "Xin chào! Hiện kho văn bản chưa có kế hoạch nào.";
    }
    return base + (covered.length === 1 ? " của tỉnh " : " của các tỉnh ") + joinVi(covered) +
      ", kèm nguồn trích dẫn.";
  }
  function renderGreeting(msg) {
    msg.querySelector(".text").textContent = greetingText();
    var old = msg.querySelector(".examples");
    if (old) old.remove();
    var qs = (scope && scope.examples) || [];
    if (!qs.length) return;
    var box = el("div", { class: "examples", role: "group", "aria-label": "Câu hỏi mẫu" });
    box.appendChild(el("span", null, "Bạn có thể hỏi, ví dụ:"));
    qs.slice(0, 3).forEach(function (q) {
      var b = el("button", { type: "button", class: "example" }, q);
      b.addEventListener("click", function () {
        if (!busy) ask(q);
      });
      box.appendChild(b);
    });
    msg.appendChild(box);
  }
  function loadScope() {
    var url = cfg.api + "/widget/scope" + (cfg.province ? "?province=" + encodeURIComponent(cfg.province) : "");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        scope = s;
        if (greetingMsg) renderGreeting(greetingMsg);
      })
      .catch(function () { /* keep the plain greeting */ });
  }

  function renderAll() {
    log.textContent = "";
    greetingMsg = addBot("", "greeting");
    renderGreeting(greetingMsg);
    state.turns.forEach(function (turn) {
      addUser(turn.question);
      if (turn.answer) renderFinished(addBot(""), turn);
      else if (turn.error) addBot(turn.error, "error");
    });
  }

  // -- asking (fetch + ReadableStream over Server-Sent Events) ------------------------------
  var busy = false;
  var controller = null;

  function history() {
    return state.turns
      .filter(function (t) { return t.answer && !t.answer.refused; })
      .slice(-MAX_HISTORY)
      .map(function (t) {
        return { question: t.question.slice(0, MAX_QUESTION), answer: (t.answer.answer || "").slice(0, 800) };
      });
  }
  function setBusy(b) {
    busy = b;
    send.disabled = b;
    log.setAttribute("aria-busy", b ? "true" : "false");
  }
  function parseEvents(buffer, onEvent) {
    var parts = buffer.split(/\r?\n\r?\n/);
    var rest = parts.pop();
    parts.forEach(function (block) {
      var type = "message";
      var dataLines = [];
      block.split(/\r?\n/).forEach(function (line) {
        if (line.indexOf("event:") === 0) type = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) dataLines.push(line.slice(5).replace(/^ /, ""));
      });
      if (!dataLines.length) return;
      try {
        onEvent(type, JSON.parse(dataLines.join("\n")));
      } catch (e) {
        /* ignore a malformed event */
      }
    });
    return rest;
  }
  function errorText(status, body) {
    if (body && typeof body.detail === "string") return body.detail;
    if (status === 429) return "Bạn hỏi quá nhanh. Xin vui lòng thử lại sau ít phút.";
    if (status === 503) return "Hệ thống tạm thời không sẵn sàng. Xin vui lòng thử lại sau.";
    return "Không gửi được câu hỏi. Xin vui lòng thử lại.";
  }

  function ask(question) {
    if (busy) return;
    question = question.replace(/\s+/g, " ").trim();
    if (!question) return;
    var turn = { question: question };
    var hist = history();
    state.turns.push(turn);
    save();
    addUser(question);
    var msg = addBot("", "pending");
    msg.setAttribute("aria-busy", "true");
    var textNode = msg.querySelector(".text");
    var text = "";
    var citations = null;
    setBusy(true);
    controller = typeof AbortController !== "undefined" ? new AbortController() : null;
    // citizens get one plain sentence first, then the cited quote
    var body = { question: question, history: hist, audience: "citizen" };
    var filters = {};
    if (cfg.province) filters.province = cfg.province;
    if (LIBRARY_KIND[cfg.library]) filters.kind = LIBRARY_KIND[cfg.library];
    if (filters.province || filters.kind) body.filters = filters;

    function finish(answer) {
      msg.classList.remove("pending");
      msg.removeAttribute("aria-busy");
      turn.answer = {
        id: answer.id,
        answer: answer.answer,
        refused: !!answer.refused,
        citations: answer.citations || citations || []
      };
      save();
      renderFinished(msg, turn);
      scrollDown();
    }
    function fail(message) {
      msg.classList.remove("pending");
      msg.removeAttribute("aria-busy");
      msg.classList.add("error");
      textNode.textContent = message;
      turn.error = message;
      save();
    }
    function onEvent(type, ev) {
      if (type === "delta") {
        text += ev.text || "";
        textNode.textContent = text;
        scrollDown();
      } else if (type === "citations") {
        citations = ev.citations || [];
      } else if (type === "done") {
        finish(ev.answer || { answer: text, citations: citations });
        return;
      } else if (type === "error") {
        fail(ev.detail || "Đã có lỗi xảy ra. Xin vui lòng thử lại.");
      }
    }

    fetch(cfg.api + "/api/v1/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    })
      .then(function (res) {
        if (!res.ok) {
          return res
            .json()
            .catch(function () { return null; })
            .then(function (b) { fail(errorText(res.status, b)); });
        }
        if (!res.body || !res.body.getReader) {
          return res.text().then(function (all) { parseEvents(all + "\n\n", onEvent); });
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder("utf-8");
        var buffer = "";
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) {
              parseEvents(buffer + decoder.decode() + "\n\n", onEvent);
              return;
            }
            buffer = parseEvents(buffer + decoder.decode(r.value, { stream: true }), onEvent);
            return pump();
          });
        }
        return pump();
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        fail("Không kết nối được máy chủ. Xin vui lòng thử lại.");
      })
      .then(function () {
        if (!turn.answer && !turn.error) fail("Câu trả lời bị gián đoạn. Xin vui lòng thử lại.");
        setBusy(false);
        controller = null;
      });
  }

  // -- open / close, focus trap, keyboard ----------------------------------------------------
  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("button, textarea, summary, [tabindex]:not([tabindex='-1'])"),
      function (n) {
        return !n.disabled && n.offsetParent !== null;
      }
    );
  }
  function open(noFocus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Đóng " + cfg.title);
    state.open = true;
    save();
    scrollDown();
    if (noFocus !== true) setTimeout(function () { input.focus(); }, 0);
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Mở " + cfg.title);
    state.open = false;
    save();
    launcher.focus();
  }
  launcher.addEventListener("click", function () {
    if (panel.hidden) open(false);
    else close();
  });
  closeBtn.addEventListener("click", close);
  newBtn.addEventListener("click", function () {
    if (controller) controller.abort();
    setBusy(false);
    state.turns = [];
    save();
    renderAll();
    input.focus();
  });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
      return;
    }
    if (e.key !== "Tab") return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    var active = root.activeElement;
    if (e.shiftKey && (active === first || !panel.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !panel.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    if (!q.trim() || busy) return;
    input.value = "";
    ask(q);
  });

  function mount() {
    document.body.appendChild(host);
    renderAll();
    loadScope();
    if (state.open || cfg.open) open(true);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.TrolyWidget = {
    open: function () { open(false); },
    close: close,
    ask: function (q) { open(false); ask(String(q)); }
  };
})();
