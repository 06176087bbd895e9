import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import net from 'node:net';
const raw = Buffer.from('From: a@x\r\nTo: b@y\r\nSubject: t\r\n\r\nbody\r\n');
async function tryIt(port: number, label: string, extra: object = {}) {
  const t = createTransport({ host: '127.0.0.1', port, connectionTimeout: 300, greetingTimeout: 300, socketTimeout: 1000, ...extra });
  try { const info = await t.sendMail({ envelope: { from: 'a@x', to: ['b@y'] }, raw }); console.log(label, 'ok', info.response); }
  catch (e: any) { console.log(label, { code: e.code, responseCode: e.responseCode, originalCode: e.originalCode, timeoutType: e.timeoutType, message: e.message }); }
}
const hang = net.createServer(() => {}); await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
await tryIt((hang.address() as any).port, 'hang');
const reset = net.createServer((s) => s.destroy()); await new Promise<void>((r) => reset.listen(0, '127.0.0.1', r));
await tryIt((reset.address() as any).port, 'reset');
hang.close(); reset.close();
const tlsServer = new SMTPServer({ secure: true, authOptional: true, logger: false, onData: (s: any, _x: any, cb: any) => { s.resume(); s.on('end', () => cb()); } });
await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
tlsServer.on('error', () => {});
const p = (tlsServer.server.address() as any).port;
await tryIt(p, 'tls strict', { secure: true });
await tryIt(p, 'tls lax', { secure: true, tls: { rejectUnauthorized: false } });
await tryIt(p, 'tls wrong mode', { secure: false });
const authServer = new SMTPServer({ allowInsecureAuth: true, disabledCommands: ['STARTTLS'], logger: false, onAuth: (a: any, _s: any, cb: any) => a.username === 'u' && a.password === 'p' ? cb(null, { user: 'u' }) : cb(new Error('bad creds')), onData: (s: any, _x: any, cb: any) => { s.resume(); s.on('end', () => cb()); } });
await new Promise<void>((r) => authServer.listen(0, '127.0.0.1', r));
authServer.on('error', () => {});
const ap = (authServer.server.address() as any).port;
await tryIt(ap, 'auth ok', { auth: { user: 'u', pass: 'p' } });
await tryIt(ap, 'auth bad', { auth: { user: 'u', pass: 'x' } });
await tryIt(ap, 'auth none', {});
await tryIt(ap, 'requireTLS no starttls', { requireTLS: true, auth: { user: 'u', pass: 'p' } });
process.exit(0);
