import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Logger } from '../logging/logger';

export interface MailMessage {
  to: string;
  subject: string;
  /** Every message has a plain-text part; links are in it. */
  text: string;
  html: string;
}

/** Where messages go: an SMTP server in production (nodemailer), anything that can send in tests. */
export interface MailTransport {
  send(message: MailMessage & { from: string }): Promise<void>;
  close(): void;
}

export function smtpTransport(url: string): MailTransport {
  // Bounded waits: a mail server that hangs must not hold retries (or shutdown) forever.
  const options: SMTPTransport.Options = { url, connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };
  const transporter: Transporter = createTransport(options);
  return {
    send: async (message) => {
      await transporter.sendMail(message);
    },
    close: () => transporter.close(),
  };
}

/** Delays between attempts (ms): about 20 minutes of retries in all, then the message is dropped (logged). */
export const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];

/**
 * An outbox: `send` returns at once and never throws, so a mail server that is down or slow
 * never fails or slows the operation that sends (and never tells a client anything, such as
 * whether an address exists). Delivery is tried at once, then retried with backoff; every
 * failure is logged. Messages live in this process only: they contain single-use links, which
 * are stored nowhere in clear, so a crash loses what was not yet delivered (the user asks again).
 */
export class Mailer {
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly transport: MailTransport,
    private readonly from: string,
    private readonly logger: Logger,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Queues a message for delivery. */
  send(message: MailMessage): void {
    this.attempt(message, 0);
  }

  /** Waits up to `timeoutMs` for deliveries in progress; retries not yet due are given up (logged). */
  async flush(timeoutMs: number): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.timers.size > 0) this.logger.warn({ event: 'mail.dropped_at_shutdown', count: this.timers.size }, 'shutdown: messages waiting for a retry were not delivered');
    this.timers.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.transport.close();
  }

  private attempt(message: MailMessage, attempt: number): void {
    const delivery = this.transport
      .send({ ...message, from: this.from })
      .then(() => this.logger.info({ event: 'mail.sent', subject: message.subject, attempt }, `mail sent: ${message.subject}`))
      .catch((error: unknown) => {
        const delay = this.retryDelaysMs[attempt];
        const reason = error instanceof Error ? error.message : String(error);
        if (delay === undefined || this.stopped) {
          this.logger.error({ event: 'mail.dropped', subject: message.subject, attempts: attempt + 1, reason }, `mail not delivered after ${attempt + 1} attempts: ${reason}`);
          return;
        }
        this.logger.warn({ event: 'mail.send_failed', subject: message.subject, attempt, retryInMs: delay, reason }, `mail delivery failed (${reason}); retrying in ${delay / 1_000} s`);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.attempt(message, attempt + 1);
        }, delay);
        timer.unref();
        this.timers.add(timer);
      })
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }
}
