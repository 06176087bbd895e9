/**
 * Analyses are stored and serialized as JSON, where NaN and Infinity silently
 * become null or break consumers; core code keeps them internal and turns them
 * into explicit nulls ("not enough data") at the edge.
 */

/** `value` when it is a finite number, else null. */
export function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** Last element of a series, or null when the series is empty or still warming up there. */
export function lastFinite(series: Float64Array): number | null {
  return finiteOrNull(series[series.length - 1]);
}

/** The path of the first NaN or ±Infinity inside `value` (arrays, typed arrays, plain objects), or null. */
export function findNonFinite(value: unknown, path = '$'): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const numbers = value as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < numbers.length; i++) {
      const n = numbers[i];
      if (typeof n === 'number' && !Number.isFinite(n)) return `${path}[${i}]`;
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonFinite(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value)) {
    const found = findNonFinite(inner, `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}

/** Throws, naming the path, when `value` holds a NaN or ±Infinity anywhere. */
export function assertNoNaN(value: unknown): void {
  const path = findNonFinite(value);
  if (path !== null) throw new Error(`non-finite number at ${path}`);
}
