"""What the browser gets besides the components: the theme, the CSS and the page script
(citation links, the source panel and the phone sheet)."""
from __future__ import annotations

import json

import gradio as gr

from assistant.surfaces.ui.wording import QUEUED

CITATION_LINK_JS = """
() => {
  const panel = () => document.querySelector('#source-panel');
  // The highlighted passage is shown where the reader is: the passage box scrolls so that the
  // highlight sits near its top. On a phone the panel is a fixed sheet: it scrolls itself, the
  // page under it stays. On a wider screen the page scrolls only as far as needed to show the
  // first lines of the highlight, when the panel sits too low for them.
  const reveal = () => {
    const sheet = panel();
    const mark = sheet?.querySelector('.source-text mark');
    if (!mark) return;
    sheet.classList.remove('source-closed');
    const box = mark.closest('.source-text');
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 6;
    const rect = mark.getBoundingClientRect();
    const lines = Math.min(rect.height, 90);        // about three lines of the passage
    if (getComputedStyle(sheet).position === 'fixed') {
      const sheetTop = sheet.getBoundingClientRect().top;
      if (rect.top < sheetTop || rect.top + lines > window.innerHeight) sheet.scrollTop += rect.top - sheetTop - 60;
    } else if (rect.top < 0) {
      window.scrollBy({top: rect.top - 20, behavior: 'instant'});
    } else if (rect.top + lines + 10 > window.innerHeight) {
      window.scrollBy({top: rect.top + lines + 10 - window.innerHeight, behavior: 'instant'});
    }
  };
  const open = () => {
    panel()?.classList.remove('source-closed');
    setTimeout(reveal, 60);   // the same passage again: nothing re-renders, so reveal it here
  };
  document.addEventListener('click', (event) => {
    const target = event.target;
    if (!target.closest) return;
    if (target.closest('.source-close')) {
      panel()?.classList.add('source-closed');
      return;
    }
    if (target.closest('#sources label')) { open(); return; }
    const link = target.closest('a[href*="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const key = link.getAttribute('href').split('#cite-')[1];
    const box = document.querySelector('#citation-request textarea, #citation-request input');
    if (!box) return;
    box.value = key + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
    open();
  }, true);

  // A question sent while an answer is pending waits its turn: the send is held here (the box
  // keeps the text, a note says it waits) and made when the pending answer ends or is stopped.
  const pending = () => { const stop = document.querySelector('#stop'); return !!(stop && stop.offsetParent); };
  const note = (text) => { const el = document.querySelector('#queue-note'); if (el) el.innerText = text; };
  let waiting = false;
  const hold = (event) => {
    const text = document.querySelector('#question textarea')?.value.trim();
    if (!pending() || !text) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    waiting = true;
    note(QUEUED_TEXT);
  };
  document.addEventListener('click', (event) => { if (event.target.closest?.('#send')) hold(event); }, true);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && event.target.closest?.('#question')) hold(event);
  }, true);
  // After a stop the server may still be finishing the cancelled answer, and Gradio drops a send
  // made meanwhile: so the held question is sent again each second until it is taken (a new
  // question appears in the chat) or the box is emptied.
  let retry = null;
  const sendWaiting = () => {
    if (!waiting || pending() || retry) return;
    retry = setInterval(() => {
      const text = document.querySelector('#question textarea')?.value.trim();
      if (!waiting || !text) { clearInterval(retry); retry = null; waiting = false; return; }
      if (!pending()) document.querySelector('#send')?.click();
    }, 1000);
  };

  // A new question is scrolled to the top of the chat, so its answer is read from the first line.
  const scroller = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight) return node;
    }
    return null;
  };
  // The chat grows below the new question as the answer streams: keep the question pinned to
  // the top until the reader scrolls the chat themselves.
  let questions = 0;
  let pinned = false;
  const pin = () => {
    const asked = document.querySelectorAll('#chatbot .message.user');
    const last = asked[asked.length - 1];
    const box = last && scroller(last);
    if (!box) return;
    const gap = last.getBoundingClientRect().top - box.getBoundingClientRect().top - 4;
    if (gap > 1) box.scrollTop += gap;
  };
  ['wheel', 'touchmove'].forEach((name) => document.addEventListener(name, (event) => {
    if (event.target.closest?.('#chatbot')) pinned = false;
  }, {passive: true, capture: true}));
  let shown = null;
  new MutationObserver(() => {
    const content = document.querySelector('#source-panel .source-panel');
    if (content && content !== shown) {
      shown = content;
      requestAnimationFrame(reveal);
    }
    const count = document.querySelectorAll('#chatbot .message.user').length;
    if (count !== questions) {
      if (count > questions) { note(''); pinned = true; waiting = false; }
      questions = count;
    }
    if (pinned) requestAnimationFrame(pin);
    sendWaiting();
  }).observe(document.body, {childList: true, subtree: true});
}
""".replace("QUEUED_TEXT", json.dumps(QUEUED))

CSS = """
.mode-badge { display:inline-block; padding:2px 10px; border-radius:999px; font-size:0.85em;
  background:#e0ecff; color:#1e3a8a; border:1px solid #93b4f5; }
.mode-badge.llm { background:#e7f7ec; color:#14532d; border-color:#86d19c; }
.source-panel .source-title { font-weight:600; font-size:1.05em; margin-bottom:6px; }
.source-panel dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 10px; margin:0 0 8px 0; font-size:0.9em; }
.source-panel dt { color:#6b7280; }
.source-panel dd { margin:0; }
.source-text { white-space:pre-wrap; line-height:1.75; max-height:420px; overflow-y:auto;
  border-left:3px solid #cbd5e1; padding:6px 10px; background:#f8fafc; }
.source-text mark { background:#fde68a; padding:1px 0; }
.source-hint { color:#6b7280; font-size:0.9em; }
.passage { border-bottom:1px solid #e5e7eb; padding:6px 0; font-size:0.9em; }
.passage .scores { color:#6b7280; font-size:0.85em; }
.passage-text { white-space:pre-wrap; }
.source-close { display:none; }
.checking-note { color:#92400e; }
/* One screen at 1366x768: a compact header, and a chat that leaves room for the question box. */
#app-header { gap:8px; }
#app-header .prose h2 { margin:0; font-size:1.3em; }
#app-header .prose p { margin:0; }
#chatbot { height:calc(100vh - 330px) !important; min-height:220px; }
#source-panel .source-text { max-height:calc(100vh - 400px); min-height:120px; }
/* A long source list scrolls in its own box, so the passage below it stays on the first screen. */
#sources .wrap { max-height:132px; overflow-y:auto; }
#queue-note { color:#92400e; font-size:0.9em; min-height:0; }
#queue-note:empty { display:none; }
#upload-status { font-size:1.05em; }
/* Wide tables scroll sideways inside their box; the first (key) column stays pinned. */
.wide-table .virtual-table-viewport { overflow-x:auto; }
.wide-table th:first-child, .wide-table td:first-child, .wide-table .virtual-row > .body-cell:first-child {
  position:sticky !important; left:0; z-index:3;
  background:var(--background-fill-primary, #fff); box-shadow:2px 0 0 var(--border-color-primary, #e5e7eb); }
/* Phones: the source opens as a sheet over the chat, where the user is. */
@media (max-width: 768px) {
  #app-header .subtitle { display:none; }
  #chatbot { height:calc(100vh - 390px) !important; min-height:200px; }
  #source-panel:has(.source-panel) { position:fixed; left:0; right:0; bottom:0; z-index:1000; max-height:65vh;
    overflow-y:auto; background:var(--background-fill-primary, #fff); border-top:2px solid #93b4f5;
    box-shadow:0 -6px 24px rgba(0,0,0,0.25); padding:8px 12px 12px 12px; }
  #source-panel.source-closed { display:none !important; }
  #source-panel .source-close { display:block; float:right; font-size:1.1em; padding:2px 12px; border-radius:6px;
    border:1px solid #cbd5e1; background:#f8fafc; }
  #source-panel .source-text { max-height:40vh; }
  /* A pinned 260-px key column would leave a phone no room: the whole row scrolls sideways instead. */
  .wide-table th:first-child, .wide-table td:first-child, .wide-table .virtual-row > .body-cell:first-child {
    position:static !important; box-shadow:none; }
}
"""


def theme() -> gr.themes.Base:
    # Local fonts only: the server may have no internet, and CJK needs a CJK font.
    return gr.themes.Soft(primary_hue="blue",
                          font=["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
                                "system-ui", "sans-serif"],
                          font_mono=["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "monospace"])
