"""What the browser gets besides the components: the theme, the CSS and the page script
(citation links, the source panel and the phone sheet)."""
from __future__ import annotations

import gradio as gr

CITATION_LINK_JS = """
() => {
  // A [n] link in an answer asks the server to show that citation in the source panel.
  document.addEventListener('click', (event) => {
    const close = event.target.closest && event.target.closest('.source-close');
    if (close) {
      document.querySelector('#source-panel')?.classList.add('source-closed');
      return;
    }
    const link = event.target.closest && event.target.closest('a[href*="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const key = link.getAttribute('href').split('#cite-')[1];
    const box = document.querySelector('#citation-request textarea, #citation-request input');
    if (!box) return;
    box.value = key + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
  // When a passage is shown: open the panel (a phone shows it as a sheet over the chat),
  // scroll the passage box so the highlight sits near its top, and scroll the page only when
  // the highlight is still off screen (a narrow window where the panel sits below the chat).
  const reveal = () => {
    const panel = document.querySelector('#source-panel');
    const mark = panel && panel.querySelector('.source-text mark');
    if (!mark) return;
    panel.classList.remove('source-closed');
    const box = mark.closest('.source-text');
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
    const markRect = mark.getBoundingClientRect();
    if (markRect.top < 0 || markRect.top + 24 > window.innerHeight) {
      mark.scrollIntoView({block: 'center'});
    }
  };
  let shown = null;
  new MutationObserver(() => {
    const content = document.querySelector('#source-panel .source-panel');
    if (content && content !== shown) {
      shown = content;
      requestAnimationFrame(reveal);
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""

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
