// `node --import ./test/helpers/import-log/register.mjs ...` appends the URL of every
// module the process resolves to the file named by SLUICE_IMPORT_LOG.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
