// A JSON import, not a path read at run time: the built CLI (dist/cli/) sits elsewhere than this file.
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
