/** `sluice notify <analysis id>`: send a stored analysis's report, or send it again. */
import { randomUUID } from 'node:crypto';
import { loadMailConfig } from '../../adapters/mail/index.js';
import { notifyAnalysis } from '../../core/notify/stage.js';
import { configEnv } from '../../local/config-file.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { notifyOptionsFrom } from '../../local/options.js';
import { notifyDepsFrom } from '../../local/pipeline.js';
import { idArgument } from '../input-ids.js';
import type { CliIo } from '../io.js';

export async function notifyCommand(
  ports: LocalPorts,
  target: string,
  options: { resend?: boolean; json?: boolean },
  io: CliIo,
): Promise<number> {
  const given = await idArgument(ports.store, ports.dataDir, target, io);
  if ('exit' in given) return given.exit;
  const { id } = given;
  const mail = loadMailConfig(configEnv(), { dataDir: ports.dataDir });
  const result = await notifyAnalysis(
    await notifyDepsFrom(ports, mail),
    { id, requestId: randomUUID(), force: options.resend },
    notifyOptionsFrom(mail),
  );
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.outcome === 'no_analysis') {
    io.stderr.write(`sluice: no stored analysis ${id} in ${ports.dataDir}\n`);
  } else if (result.outcome === 'in_progress') {
    io.stderr.write('sluice: another run is sending this report; try again later\n');
  } else {
    const n = result.notification;
    const verb = result.outcome === 'duplicate' ? 'was already sent (use --resend to send again)' : 'sent';
    io.stdout.write(`report ${verb} by ${n?.mailer} to ${n?.to.join(', ')}\n`);
    if (n?.files) io.stdout.write(`  html  ${n.files.html}\n  eml   ${n.files.eml}\n`);
  }
  return result.outcome === 'sent' || result.outcome === 'duplicate'
    ? 0
    : result.outcome === 'in_progress'
      ? 75
      : 1;
}
