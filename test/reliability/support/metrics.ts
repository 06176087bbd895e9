/**
 * Two ways to see the metrics a run emitted: a recording Metrics port (ours, for
 * adapters and stages driven directly), and the EMF lines the handlers' real
 * Powertools Metrics print, read off the console (POWERTOOLS_DEV makes Powertools
 * print through the global console instead of its own).
 */
import { vi } from 'vitest';
import type { Metrics, MetricUnit } from '../../../src/core/ports.js';

export interface RecordedMetric {
  readonly name: string;
  readonly unit: MetricUnit | string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Sum of every value recorded under `name` (optionally with these dimensions). */
export function total(
  metrics: readonly RecordedMetric[],
  name: string,
  dimensions: Readonly<Record<string, string>> = {},
): number {
  return metrics
    .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
    .reduce((sum, m) => sum + m.value, 0);
}

export class RecordingMetrics implements Metrics {
  readonly recorded: RecordedMetric[] = [];

  add(
    name: string,
    unit: MetricUnit,
    value: number,
    dimensions: Readonly<Record<string, string>> = {},
  ): void {
    this.recorded.push({ name, unit, value, dimensions });
  }

  total(name: string, dimensions?: Readonly<Record<string, string>>): number {
    return total(this.recorded, name, dimensions);
  }
}

interface EmfDocument {
  readonly _aws?: {
    readonly CloudWatchMetrics?: ReadonlyArray<{
      readonly Dimensions?: ReadonlyArray<readonly string[]>;
      readonly Metrics?: ReadonlyArray<{ readonly Name: string; readonly Unit?: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

function fromEmf(line: string): RecordedMetric[] {
  let doc: EmfDocument;
  try {
    doc = JSON.parse(line) as EmfDocument;
  } catch {
    return [];
  }
  const directives = doc._aws?.CloudWatchMetrics ?? [];
  return directives.flatMap((directive) => {
    const names = directive.Dimensions?.flat() ?? [];
    const dimensions = Object.fromEntries(names.map((n) => [n, String(doc[n])]));
    return (directive.Metrics ?? []).flatMap(({ Name, Unit }) => {
      const raw = doc[Name];
      const values = Array.isArray(raw) ? raw : [raw];
      return values.map((value) => ({ name: Name, unit: Unit ?? 'None', value: Number(value), dimensions }));
    });
  });
}

export interface EmfCapture {
  readonly metrics: () => RecordedMetric[];
  restore(): void;
}

/** Collects EMF documents printed on the console from now on. */
export function captureEmf(): EmfCapture {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string') lines.push(args[0]);
  });
  return {
    metrics: () => lines.flatMap(fromEmf),
    restore: () => spy.mockRestore(),
  };
}
