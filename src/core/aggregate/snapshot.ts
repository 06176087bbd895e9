/**
 * The 5-minute market-wide snapshot: what the analyses of the last window say
 * together (sentiment counts, mean change, turbulence, movers). Pure: the runs
 * and the slot time are handed in, so a retried schedule rebuilds the same item.
 */
import type { RunIndexEntry } from '../analyze/stored-analysis.js';
import { itemKeys } from '../keys.js';
import type { StateStore } from '../ports.js';

export const SNAPSHOT_PK = 'SNAPSHOT';
export const SNAPSHOT_LATEST_SK = 'LATEST';
export const SLOT_MS = 5 * 60 * 1000;
export const SNAPSHOT_MOVERS = 5;

export interface Mover {
  readonly symbol: string;
  readonly changePct: number;
  /** The analysis the figure comes from. */
  readonly id: string;
}

export interface MarketSnapshot {
  readonly version: 1;
  /** Start of the 5-minute slot, ISO; also the item's sk. */
  readonly slot: string;
  readonly windowStart: string;
  readonly windowMinutes: number;
  /** Analyses of any dataset in the window. */
  readonly runs: number;
  readonly marketRuns: number;
  readonly sentiment: Readonly<Record<string, number>>;
  /** Mean of the runs' mean changes, in percent; null without market runs that have one. */
  readonly meanChangePct: number | null;
  readonly turbulence: Readonly<Record<string, number>>;
  /** The most severe turbulence level seen, null when none. */
  readonly turbulenceLevel: string | null;
  readonly topGainers: readonly Mover[];
  readonly topLosers: readonly Mover[];
  readonly costUsd: number;
}

const TURBULENCE_ORDER = ['low', 'moderate', 'high'];

/** The slot a time falls in: the start of its 5-minute interval. */
export const slotOf = (time: number): number => Math.floor(time / SLOT_MS) * SLOT_MS;

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

/** `runs` oldest first, as the run index sorts them; a symbol in several runs counts by its latest. */
export function buildSnapshot(
  runs: readonly RunIndexEntry[],
  options: { readonly slot: number; readonly windowMinutes: number },
): MarketSnapshot {
  const windowStart = options.slot - options.windowMinutes * 60_000;
  const sentiment: Record<string, number> = {};
  const turbulence: Record<string, number> = {};
  const changes: number[] = [];
  const latestBySymbol = new Map<string, Mover>();
  let marketRuns = 0;
  let costUsd = 0;
  for (const run of runs) {
    costUsd += run.costUsd ?? 0;
    const market = run.market;
    if (!market) continue;
    marketRuns++;
    sentiment[market.sentiment] = (sentiment[market.sentiment] ?? 0) + 1;
    if (market.turbulence !== null) {
      turbulence[market.turbulence] = (turbulence[market.turbulence] ?? 0) + 1;
    }
    if (market.meanChangePct !== null && Number.isFinite(market.meanChangePct)) {
      changes.push(market.meanChangePct);
    }
    for (const mover of market.movers) {
      if (mover.changePct === null || !Number.isFinite(mover.changePct)) continue;
      latestBySymbol.set(mover.symbol, { symbol: mover.symbol, changePct: mover.changePct, id: run.id });
    }
  }
  const movers = [...latestBySymbol.values()];
  const byChange = (a: Mover, b: Mover) => b.changePct - a.changePct || a.symbol.localeCompare(b.symbol);
  const levels = Object.keys(turbulence).sort(
    (a, b) => TURBULENCE_ORDER.indexOf(b) - TURBULENCE_ORDER.indexOf(a),
  );
  return {
    version: 1,
    slot: new Date(options.slot).toISOString(),
    windowStart: new Date(windowStart).toISOString(),
    windowMinutes: options.windowMinutes,
    runs: runs.length,
    marketRuns,
    sentiment,
    meanChangePct: changes.length === 0 ? null : round(changes.reduce((s, c) => s + c, 0) / changes.length),
    turbulence,
    turbulenceLevel: levels[0] ?? null,
    topGainers: movers
      .filter((m) => m.changePct > 0)
      .sort(byChange)
      .slice(0, SNAPSHOT_MOVERS),
    topLosers: movers
      .filter((m) => m.changePct < 0)
      .sort((a, b) => byChange(b, a))
      .slice(0, SNAPSHOT_MOVERS),
    costUsd: Math.round(costUsd * 1e9) / 1e9,
  };
}

/** Run index entries created in [from, to], across the day partitions the window spans. */
export async function loadRuns(state: StateStore, from: number, to: number): Promise<RunIndexEntry[]> {
  const runs: RunIndexEntry[] = [];
  const fromIso = new Date(from).toISOString();
  const toIso = new Date(to).toISOString();
  for (let day = Date.parse(fromIso.slice(0, 10)); day <= to; day += 24 * 3600 * 1000) {
    const items = await state.query(itemKeys.runsPk(new Date(day).toISOString()), {
      skFrom: fromIso,
      // '~' sorts after '#', so runs stamped exactly at `to` are in.
      skTo: `${toIso}~`,
    });
    runs.push(...items.map((item) => item.data as RunIndexEntry));
  }
  return runs;
}

/**
 * Writes the slot's item, then LATEST unless a later slot is already there (a
 * late retry must not move it back). Writing the same slot again changes nothing.
 */
export async function saveSnapshot(state: StateStore, snapshot: MarketSnapshot): Promise<void> {
  await state.put({ pk: SNAPSHOT_PK, sk: snapshot.slot, data: snapshot });
  const latest = await state.get(SNAPSHOT_PK, SNAPSHOT_LATEST_SK);
  const latestSlot = (latest?.data as MarketSnapshot | undefined)?.slot;
  if (latestSlot === undefined || latestSlot <= snapshot.slot) {
    await state.put({ pk: SNAPSHOT_PK, sk: SNAPSHOT_LATEST_SK, data: snapshot });
  }
}
