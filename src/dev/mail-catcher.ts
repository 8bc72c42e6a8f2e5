import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Logger } from '../logging/logger';

export interface CaughtMessage {
  id: number;
  at: Date;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The http(s) links in the plain-text part. */
  links: string[];
}

/**
 * An SMTP server on loopback that keeps what it receives (development and tests, built on the
 * nodemailer project's smtp-server and mailparser): real SMTP conversations, nothing delivered.
 */
export class MailCatcher {
  private readonly caught: CaughtMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private nextId = 1;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: { port?: number; logger?: Logger } = {}): Promise<MailCatcher> {
    let catcher: MailCatcher | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      banner: 'graphql-auth-api mail catcher',
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            catcher!.receive({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
            }, options.logger);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    catcher = new MailCatcher(server, (server.server.address() as AddressInfo).port);
    return catcher;
  }

  /** `smtp://127.0.0.1:PORT`: what SMTP_URL would say. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Everything received, newest first. */
  messages(): CaughtMessage[] {
    return [...this.caught].reverse();
  }

  /** The first message (oldest first) matching `predicate` that arrives or has arrived, or an error after `timeoutMs`. */
  async waitFor(predicate: (message: CaughtMessage) => boolean, timeoutMs = 5_000): Promise<CaughtMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.caught.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms (${this.caught.length} caught: ${this.caught.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  stop(): Promise<void> {
    for (const wake of this.waiters) wake();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(message: Omit<CaughtMessage, 'id' | 'at' | 'links'>, logger?: Logger): void {
    const links = message.text.match(/https?:\/\/\S+/g) ?? [];
    const caught: CaughtMessage = { ...message, id: this.nextId++, at: new Date(), links };
    this.caught.push(caught);
    if (this.caught.length > 500) this.caught.shift();
    logger?.info({ event: 'mail.caught', to: message.to, subject: message.subject, links }, `mail to ${message.to.join(', ')}: ${message.subject}${links.length ? ` — ${links.join(' ')}` : ''}`);
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
