// Module resolution hooks (they run on the loader's own thread); see register.mjs.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (process.env.SLUICE_IMPORT_LOG) appendFileSync(process.env.SLUICE_IMPORT_LOG, `${resolved.url}\n`);
  return resolved;
}
