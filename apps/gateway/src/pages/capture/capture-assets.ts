/**
 * The capture page's script and stylesheet, served from the gateway under `/verify/_/` (no CDN, no inline
 * script or style, so the page runs under the same strict CSP as the console). The page is rendered on the
 * server; the script only sends uploads, the submit and sandbox outcomes, then reloads it.
 */
export const captureScript = `"use strict";
(function () {
  var token = decodeURIComponent(location.pathname.split("/")[2] || "");
  var base = "/verify/" + encodeURIComponent(token);
  var message = document.getElementById("message");
  function show(text, isError) {
    message.textContent = text;
    message.className = isError ? "message error" : "message";
  }
  function explain(body, status) {
    if (body && body.error) {
      var issues = (body.error.issues || []).map(function (i) { return i.message; }).join("; ");
      return body.error.message + (issues ? " (" + issues + ")" : "");
    }
    return "Something went wrong (" + status + ")";
  }
  function call(path, init) {
    return fetch(base + path, init).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(explain(body, response.status));
        return body;
      });
    });
  }
  document.querySelectorAll("form.upload").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[type=file]");
      var file = input.files && input.files[0];
      if (!file) return show("Choose a file first.", true);
      if (file.size > 10 * 1024 * 1024) return show("The file is larger than 10 MB.", true);
      show("Uploading " + file.name + "\\u2026");
      var step = form.getAttribute("data-step");
      call("/documents?step=" + encodeURIComponent(step) + "&name=" + encodeURIComponent(file.name), {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: file,
      }).then(function () { location.reload(); }, function (error) { show(error.message, true); });
    });
  });
  document.querySelectorAll("form.simulate").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var step = form.getAttribute("data-step");
      var outcome = form.querySelector("select").value;
      call("/simulate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ step: step, outcome: outcome }),
      }).then(function () { location.reload(); }, function (error) { show(error.message, true); });
    });
  });
  function showSubmitted(state) {
    var box = document.getElementById("status");
    box.setAttribute("data-status", state.status);
    box.textContent = "";
    box.appendChild(document.createTextNode("Status: "));
    var strong = document.createElement("strong");
    strong.textContent = state.status.replace(/_/g, " ");
    box.appendChild(strong);
    box.appendChild(document.createTextNode(". Submitted: your verification is being checked. You can close this page."));
    state.steps.forEach(function (step) {
      var badge = document.querySelector('li[data-step="' + step.id + '"] .state');
      if (badge) { badge.textContent = step.status.replace(/_/g, " "); badge.className = "state " + step.status; }
    });
    document.querySelectorAll("form.upload, form.simulate").forEach(function (form) { form.remove(); });
    submit.remove();
    show("Thank you: your verification was submitted.");
  }
  var submit = document.getElementById("submit");
  if (submit) {
    submit.addEventListener("click", function () {
      submit.disabled = true;
      show("Submitting\\u2026");
      // A single-use link is used up by the submit: the page shows the answer instead of reloading.
      call("/submit", { method: "POST" }).then(
        function (state) { showSubmitted(state); },
        function (error) { submit.disabled = false; show(error.message, true); },
      );
    });
  }
  // While the checks run, refresh the page when the status changes.
  var status = document.body.getAttribute("data-status");
  if (status === "submitted" || status === "processing") {
    var poll = setInterval(function () {
      call("/state", {}).then(function (state) {
        if (state.status !== status) { clearInterval(poll); location.reload(); }
      }, function () { clearInterval(poll); });
    }, 1000);
  }
})();
`;

export const captureStyles = `*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2933;background:#f5f7fa;line-height:1.5}
main{max-width:640px;margin:0 auto;padding:16px}
h1{font-size:1.4rem;margin:8px 0 4px}
.lead{color:#52606d;margin:0 0 16px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:.85rem;font-weight:600;background:#e4e7eb}
.badge.sandbox{background:#fff3c4;color:#8d2b0b}
.status{margin:12px 0;padding:12px;border-radius:8px;background:#fff;border:1px solid #d9e2ec}
ol.steps{list-style:none;padding:0;margin:0}
ol.steps>li{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:12px;margin:0 0 12px}
.step-head{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}
.step-title{font-weight:600}
.state{font-size:.85rem;padding:2px 8px;border-radius:999px;background:#e4e7eb}
.state.passed,.state.uploaded{background:#c6f7e2;color:#014d40}
.state.failed,.state.errored{background:#ffe3e3;color:#8a041a}
.state.running,.state.retrying{background:#dceefb;color:#0b4f71}
.files{font-size:.9rem;color:#52606d;margin:6px 0;padding-left:18px;word-break:break-all}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-top:8px}
input[type=file]{max-width:100%;font-size:.95rem}
button,select{font-size:1rem;padding:8px 14px;border-radius:6px;border:1px solid #9aa5b1;background:#fff}
button.primary{background:#2f5bea;color:#fff;border-color:#2f5bea;width:100%;padding:12px}
button:disabled{opacity:.6}
.message{min-height:1.5em;margin:8px 0}
.message.error{color:#8a041a}
.refused{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:16px;margin-top:24px}
`;
