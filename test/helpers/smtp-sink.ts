/**
 * A real SMTP server (smtp-server) on a random loopback port that records every
 * message it accepts, and can be scripted to fail the next connections the way
 * real servers do: 421 at the greeting, 451 after DATA, 550 for a recipient.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The message exactly as the client sent it after DATA. */
  readonly raw: Buffer;
  /** Who authenticated, when the sink asked for credentials. */
  readonly user?: string;
}

/** Where a scripted failure answers, and with which reply code. */
export interface SmtpFault {
  readonly at: 'connect' | 'mail' | 'rcpt' | 'data';
  readonly code: number;
  /** @default 'scripted failure' */
  readonly message?: string;
}

export interface SmtpSinkOptions {
  /** Accept mail only after AUTH with these credentials (allowed over cleartext: loopback only). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Implicit TLS with smtp-server's built-in self-signed certificate. @default false */
  readonly secure?: boolean;
}

export interface SmtpSink {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly messages: readonly ReceivedMail[];
  /** Connections opened so far: nodemailer opens one per attempt. */
  readonly connections: number;
  /** The next `times` connections fail with `fault`; `Infinity` fails every one. */
  failNext(times: number, fault: SmtpFault): void;
  close(): Promise<void>;
}

const smtpError = (fault: SmtpFault): Error =>
  Object.assign(new Error(fault.message ?? 'scripted failure'), { responseCode: fault.code });

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const faults = new Map<string, SmtpFault>();
  let script: { times: number; fault: SmtpFault } | undefined;
  let connections = 0;

  const failAt = (stage: SmtpFault['at'], session: SMTPServerSession): Error | null => {
    const fault = faults.get(session.id);
    return fault?.at === stage ? smtpError(fault) : null;
  };

  const server = new SMTPServer({
    secure: options.secure ?? false,
    logger: false,
    disabledCommands: options.auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    // Tests close the sink while a scripted hang may still hold a socket.
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      const { user, pass } = options.auth ?? {};
      if (auth.username === user && auth.password === pass) callback(null, { user });
      else callback(Object.assign(new Error('invalid credentials'), { responseCode: 535 }));
    },
    onConnect(session, callback) {
      connections++;
      if (script !== undefined && script.times > 0) {
        script.times--;
        faults.set(session.id, script.fault);
      }
      callback(failAt('connect', session));
    },
    onMailFrom(_address, session, callback) {
      callback(failAt('mail', session));
    },
    onRcptTo(_address, session, callback) {
      callback(failAt('rcpt', session));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refusal = failAt('data', session);
        if (refusal) return callback(refusal);
        const { mailFrom, rcptTo } = session.envelope;
        messages.push({
          from: mailFrom === false ? '' : mailFrom.address,
          to: rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
        });
        callback(null);
      });
    },
  });
  // A client that drops its connection mid-session is something tests do on purpose.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    get connections() {
      return connections;
    },
    failNext(times, fault) {
      script = { times, fault };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
