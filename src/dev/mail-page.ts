import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MailCatcher } from './mail-catcher';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `GET /dev/mail` (development): what the embedded catcher received, newest first; JSON, or a page for browsers. */
export function sendMailbox(req: IncomingMessage, res: ServerResponse, catcher: MailCatcher): void {
  const messages = catcher.messages().map(({ id, at, from, to, subject, text, links }) => ({ id, at, from, to, subject, text, links }));
  if (!(req.headers.accept ?? '').includes('text/html')) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ messages }));
    return;
  }
  const items = messages
    .map(
      (m) => `<article><h2>${escapeHtml(m.subject)}</h2><p class="meta">to ${escapeHtml(m.to.join(', '))} · ${m.at.toISOString()}</p>
<p>${m.links.map((link) => `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`).join('<br>')}</p><pre>${escapeHtml(m.text)}</pre></article>`,
    )
    .join('\n');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development mail</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccd3dd;border-radius:8px;padding:.2rem 1rem;margin:1rem 0}h2{font-size:1.05rem}.meta{color:#667}pre{white-space:pre-wrap;background:#f4f6f9;padding:.6rem}</style>
</head><body><h1>Development mail</h1><p>What the embedded mail catcher received (nothing is delivered), newest first. <a href="/demo">Back to the demo</a>.</p>
${items || '<p>No messages yet.</p>'}</body></html>`);
}
