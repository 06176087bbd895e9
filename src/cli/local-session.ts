/** Loads the configuration and opens the local ports around one command, closing them however it ends. */
import type { LocalConfig } from '../local/config.js';
import { loadLocalConfig } from '../local/config.js';
import { type LocalPorts, openLocalPorts } from '../local/local-ports.js';

export async function withLocalPorts(
  dataDir: string | undefined,
  work: (ports: LocalPorts, config: LocalConfig) => Promise<number | undefined>,
): Promise<number | undefined> {
  const config = loadLocalConfig();
  const ports = openLocalPorts(config, dataDir);
  try {
    return await work(ports, config);
  } finally {
    await ports.close();
  }
}
