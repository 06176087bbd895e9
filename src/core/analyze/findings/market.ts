/** Market findings of one symbol: notable bar events, missing bars on the exchange calendar, grouped info events. */

import type { Anomaly, AnomalyKind, SymbolAnomalies } from '../market/anomalies.js';
import { followsExchangeCalendar, missingTradingDays } from '../market/calendar.js';
import { formatCount, formatMultiple, formatPct, formatPrice } from '../market/format.js';
import {
  compareFindings,
  FINDING_KIND,
  type Finding,
  type FindingKind,
  findingId,
  SEVERITY_EDGES,
  type Severity,
  severityFrom,
} from './finding.js';

/** Missing-bar runs kept per symbol as findings; a file with more has a data problem one finding can say. */
export const MAX_MISSING_RUNS = 50;

const KIND_OF: Readonly<Record<AnomalyKind, FindingKind>> = {
  volume: FINDING_KIND.volumeSpike,
  move: FINDING_KIND.largeMove,
  gap: FINDING_KIND.priceGap,
  split: FINDING_KIND.split,
  band: FINDING_KIND.bandClose,
};

function make(
  kind: FindingKind,
  severity: Severity,
  subject: string,
  at: string,
  title: string,
  evidence: Finding['evidence'],
  count = 1,
  idAt = at,
): Finding {
  return { id: findingId(kind, subject, idAt), kind, severity, subject, at, title, evidence, count };
}

function eventFinding(a: Anomaly): Finding {
  const f = a.figures;
  const rows = [`${a.symbol} ${a.datetime}`];
  switch (a.kind) {
    case 'volume': {
      const measure = f.multiple ?? 0;
      return make(
        FINDING_KIND.volumeSpike,
        severityFrom(SEVERITY_EDGES.volume_spike, measure),
        a.symbol,
        a.datetime,
        `volume ${formatMultiple(measure)} the mean of the previous 20 bars (${formatCount(f.volume ?? 0)} vs ${formatCount(f.average ?? 0)})`,
        { measure, threshold: SEVERITY_EDGES.volume_spike.low, figures: { ...f }, rows },
      );
    }
    case 'move': {
      const measure = Math.abs(f.pct ?? 0);
      return make(
        FINDING_KIND.largeMove,
        severityFrom(SEVERITY_EDGES.large_move, measure),
        a.symbol,
        a.datetime,
        `close ${formatPct(f.pct ?? 0, true)} in one bar (${formatPrice(f.previousClose ?? 0)} → ${formatPrice(f.close ?? 0)})`,
        { measure, threshold: SEVERITY_EDGES.large_move.low, figures: { ...f }, rows },
      );
    }
    case 'gap': {
      const measure = Math.abs(f.pct ?? 0);
      return make(
        FINDING_KIND.priceGap,
        severityFrom(SEVERITY_EDGES.price_gap, measure),
        a.symbol,
        a.datetime,
        `opened ${formatPct(f.pct ?? 0, true)} from the previous close (${formatPrice(f.previousClose ?? 0)} → ${formatPrice(f.open ?? 0)})`,
        { measure, threshold: SEVERITY_EDGES.price_gap.low, figures: { ...f }, rows },
      );
    }
    case 'split': {
      const factor = f.factor ?? 0;
      const label = factor > 0 ? `${factor}-for-1 split` : `1-for-${-factor} reverse split`;
      return make(
        FINDING_KIND.split,
        'medium',
        a.symbol,
        a.datetime,
        `probable ${label}: close ${formatPrice(f.previousClose ?? 0)} → ${formatPrice(f.close ?? 0)}, volume ${formatMultiple(f.volumeRatio ?? 0)}; prices are not split-adjusted`,
        { measure: Math.abs(factor), threshold: 2, figures: { ...f }, rows },
      );
    }
    case 'band':
      // Band closes are only ever tallied (NOTABLE_FROM.band is infinite).
      throw new Error('unreachable: band closes are tallied');
  }
}

const events = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** Only volume (1.5× to 3×) and band events fall short of their finding's low edge; the others are notable from their rule on. */
const INFO_WORDS: Readonly<Partial<Record<AnomalyKind, (n: number, max: number) => string>>> = {
  volume: (n, max) =>
    `${events(n, 'bar', 'bars')} with volume between 1.5× and 3× the 20-bar mean (largest ${formatMultiple(max)})`,
  band: (n, max) =>
    `${events(n, 'close', 'closes')} outside the 2σ Bollinger band (largest ${max.toFixed(1)}σ); about 5% of closes fall outside by construction`,
};

export interface SymbolFindingInput {
  readonly symbol: string;
  readonly interval: string | null;
  readonly datetime: readonly string[];
  readonly anomalies: SymbolAnomalies;
}

/** Every finding of one symbol: notable events one by one, missing bars per run, info events grouped per kind. */
export function symbolFindings(input: SymbolFindingInput): Finding[] {
  const { symbol, anomalies } = input;
  const findings = anomalies.notable.map(eventFinding);
  if (followsExchangeCalendar(input.datetime, input.interval)) {
    for (const run of missingTradingDays(input.datetime, MAX_MISSING_RUNS)) {
      const days = run.days;
      findings.push(
        make(
          FINDING_KIND.missingBar,
          severityFrom(SEVERITY_EDGES.missing_bar, days),
          symbol,
          run.from,
          days === 1
            ? `no bar on trading day ${run.from} (bars on ${run.after} and ${run.before})`
            : `no bar on ${days} trading days ${run.from} to ${run.to} (bars on ${run.after} and ${run.before})`,
          {
            measure: days,
            threshold: SEVERITY_EDGES.missing_bar.low,
            figures: { days },
            rows: [`${symbol} ${run.after}`, `${symbol} ${run.before}`],
          },
        ),
      );
    }
  }
  for (const [kind, tally] of Object.entries(anomalies.infoTallies) as Array<
    [AnomalyKind, NonNullable<SymbolAnomalies['infoTallies'][AnomalyKind]>]
  >) {
    findings.push(
      make(
        KIND_OF[kind],
        'info',
        symbol,
        tally.last,
        INFO_WORDS[kind]?.(tally.count, tally.maxMeasure) ??
          events(tally.count, `${kind} event`, `${kind} events`),
        {
          measure: tally.maxMeasure,
          threshold: kind === 'band' ? 2 : kind === 'volume' ? 1.5 : 0,
          figures: { events: tally.count, largest: tally.maxMeasure },
          rows: [`${symbol} ${tally.last}`],
        },
        tally.count,
        // One grouped finding per symbol and kind: its id must not move when a later bar joins it.
        'info',
      ),
    );
  }
  return findings.sort(compareFindings);
}
