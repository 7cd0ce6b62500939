import { createTransport, type Transporter } from 'nodemailer';
import type { Email, EmailSender } from '../core/ports.js';

/** Sends email through an SMTP server given by URL (smtp://user:pass@host:port). */
export class SmtpSender implements EmailSender {
  private readonly transport: Transporter;

  constructor(url: string) {
    this.transport = createTransport(url);
  }

  async send(email: Email): Promise<void> {
    await this.transport.sendMail({ from: email.from, to: email.to, subject: email.subject, text: email.text });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
