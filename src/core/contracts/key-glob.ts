/**
 * Key globs a contract names (`AAPL/*.json`, `sales/**`), matched against the
 * object key below `inputs/`: `**` spans folders, `*` and `?` stay within one.
 */
export function compileKeyGlob(glob: string): (key: string) => boolean {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no folder at all.
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const shape = new RegExp(`^${source}$`);
  return (key) => shape.test(key);
}
