// Tidings web admin: the little behaviour htmx does not give (no inline scripts; CSP script-src 'self').
(function () {
  'use strict';

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  // Every htmx request carries the form token as a header.
  document.addEventListener('htmx:configRequest', function (e) {
    e.detail.headers['X-CSRF-Token'] = csrf();
  });

  // Timestamps are rendered in UTC by the server and shown in the browser's time zone here.
  function localTimes(root) {
    root.querySelectorAll('time[data-local]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) {
        t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
        t.title = d.toISOString();
      }
    });
    root.querySelectorAll('input[name="tz"]').forEach(function (i) {
      try { i.value = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (ignored) { /* stays UTC */ }
    });
  }

  // Copy buttons: data-copy names the element whose text (or value) is copied.
  document.addEventListener('click', function (e) {
    var button = e.target.closest('button[data-copy]');
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) { return; }
    var text = source.value !== undefined ? source.value : source.textContent;
    var status = document.getElementById(button.getAttribute('data-copy') + '-copied');
    var say = function (text) { if (status) { status.textContent = text; } };
    var fallback = function () {
      if (source.select) { source.select(); }
      var copied = false;
      try { copied = document.execCommand('copy'); } catch (ignored) { copied = false; }
      say(copied ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C (or ⌘C) to copy.');
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say('Copied to the clipboard.'); }, fallback);
    } else {
      fallback();
    }
  });

  // CSV import: the file goes to the JSON API as text/csv (streamed there, any size up to the
  // limit); the progress fragment then polls itself until the import is done.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.matches('form[data-import]')) { return; }
    e.preventDefault();
    var input = form.querySelector('input[type=file]');
    var out = document.getElementById('import-progress');
    var error = document.getElementById('file-error');
    error.textContent = '';
    if (!input.files.length) { error.textContent = 'Choose a CSV file first.'; input.focus(); return; }
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    out.textContent = 'Uploading…';
    var status = form.querySelector('select[name=status]');
    var url = form.getAttribute('data-import') + (status ? '?status=' + encodeURIComponent(status.value) : '');
    fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: input.files[0], credentials: 'same-origin' })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (r) {
        button.disabled = false;
        if (!r.ok) {
          out.textContent = '';
          error.textContent = r.body.detail || 'The file was refused.';
          if (r.body.importId) {
            htmx.ajax('GET', form.getAttribute('data-progress') + r.body.importId, { target: '#import-progress' });
          }
          return;
        }
        htmx.ajax('GET', form.getAttribute('data-progress') + r.body.id, { target: '#import-progress' });
      })
      .catch(function () { button.disabled = false; out.textContent = ''; error.textContent = 'The upload failed; check your connection and try again.'; });
  });

  // A live delivery view reloads once the delivery is over, so the sends table and controls are current.
  document.addEventListener('htmx:sseClose', function (e) {
    if (e.detail && e.detail.type === 'message' && e.target.hasAttribute('data-reload-on-close')) {
      window.location.reload();
    }
  });

  // The report's chart: opens and clicks per hour, drawn by uPlot from the figure's data (the same
  // numbers are in the table under it).
  function timeline() {
    var figure = document.getElementById('timeline-chart');
    if (!figure || !window.uPlot) { return; }
    var data = JSON.parse(figure.getAttribute('data-timeline'));
    var width = Math.max(280, Math.min(900, figure.clientWidth || 600));
    new window.uPlot({
      width: width,
      height: 240,
      series: [{}, { label: 'Opens', stroke: '#1f6feb', width: 2 }, { label: 'Clicks', stroke: '#b35900', width: 2 }],
      axes: [{}, { label: 'per hour' }]
    }, data, figure);
    figure.setAttribute('data-drawn', 'true');
  }

  document.addEventListener('DOMContentLoaded', function () { localTimes(document); timeline(); });
  document.addEventListener('htmx:afterSettle', function (e) { localTimes(e.target); });
  document.addEventListener('htmx:sseMessage', function (e) { localTimes(e.target); });
})();
