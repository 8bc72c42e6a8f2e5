import type { MailMessage } from './mailer';

/**
 * Every message the service sends, in one place: plain text with the link in it, and the same in
 * HTML. No secret but the link; nothing that varies with what an attacker typed beyond the
 * address it is sent to.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, paragraphs: string[], link: { href: string; label: string }): string {
  const body = paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n');
  return `<!doctype html><html><body style="font-family: system-ui, sans-serif; max-width: 36rem">
<h1 style="font-size: 1.2rem">${escapeHtml(title)}</h1>
${body}
<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>
<p style="color: #667">If the button does not work, copy this address into your browser:<br>${escapeHtml(link.href)}</p>
</body></html>`;
}

function hours(ms: number): string {
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} minutes`;
  return `${Math.round(ms / 3_600_000)} hours`;
}

export function verificationMessage(to: string, link: string, ttlMs: number, product: string): MailMessage {
  const lines = [
    `Please confirm that ${to} is your email address for ${product}.`,
    `The link works once, for ${hours(ttlMs)}. If you did not create an account, ignore this message.`,
  ];
  return {
    to,
    subject: `Confirm your email address for ${product}`,
    text: `${lines[0]}\n\nOpen this link to confirm it:\n${link}\n\n${lines[1]}\n`,
    html: page('Confirm your email address', lines, { href: link, label: 'Confirm my address' }),
  };
}

export function passwordResetMessage(to: string, link: string, ttlMs: number, product: string): MailMessage {
  const lines = [
    `Someone asked to reset the password of your ${product} account (${to}).`,
    `The link works once, for ${hours(ttlMs)}, and signs you out everywhere. If it was not you, ignore this message: your password stays as it is.`,
  ];
  return {
    to,
    subject: `Reset your ${product} password`,
    text: `${lines[0]}\n\nOpen this link to choose a new password:\n${link}\n\n${lines[1]}\n`,
    html: page('Reset your password', lines, { href: link, label: 'Choose a new password' }),
  };
}
