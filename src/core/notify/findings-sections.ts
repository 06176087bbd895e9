/**
 * The sections a reader acts on, first in every report: the executive summary,
 * the recommendations (priority badges), the findings (severity badges and
 * evidence; for markets a card per symbol with a sparkline), and the insights
 * (confidence badges). Findings come from the analysis, never from the model.
 */
import type { Finding, FindingKind, Severity } from '../analyze/findings/finding.js';
import { SEVERITY_RANK, SEVERITY_RULE } from '../analyze/findings/finding.js';
import { executiveSummaryOf, type Narrative } from '../analyze/narrative.js';
import type { ChartBar, StoredAnalysis } from '../analyze/stored-analysis.js';
import type { ChartSet } from './chart-set.js';
import { sparkline } from './charts.js';
import { count, plural, shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';
import { type Badge, type Block, type ListItem, type Section, TONE, type Tone } from './report-document.js';

export const FINDING_WORDS: Readonly<Record<FindingKind, [string, string]>> = {
  volume_spike: ['volume spike', 'volume spikes'],
  large_move: ['large move', 'large moves'],
  price_gap: ['price gap', 'price gaps'],
  split: ['probable split', 'probable splits'],
  missing_bar: ['missing bar', 'missing bar runs'],
  band_close: ['closes outside the 2σ band', 'closes outside the 2σ band'],
  price_outlier: ['price outlier', 'price outliers'],
  duplicate_order: ['duplicate order id', 'duplicate order ids'],
  abnormal_vital: ['abnormal vital', 'abnormal vitals'],
  data_quality: ['data quality', 'data quality'],
  value_outlier: ['value outlier', 'value outliers'],
  time_gap: ['time gap', 'time gaps'],
  null_rate: ['high null rate', 'high null rates'],
};

const SEVERITY_TONE: Readonly<Record<Severity, Tone>> = {
  critical: TONE.negative,
  high: TONE.negative,
  medium: TONE.warning,
  low: TONE.plain,
  info: TONE.muted,
};

export const severityBadge = (severity: Severity): Badge => ({
  text: severity,
  tone: SEVERITY_TONE[severity],
});

const PRIORITY_TONE: Readonly<Record<string, Tone>> = {
  high: TONE.negative,
  medium: TONE.warning,
  low: TONE.plain,
};
const CONFIDENCE_TONE: Readonly<Record<string, Tone>> = {
  high: TONE.positive,
  medium: TONE.plain,
  low: TONE.muted,
};
const OUTLOOK_TONE: Readonly<Record<string, Tone>> = {
  bullish: TONE.positive,
  bearish: TONE.negative,
  neutral: TONE.plain,
};

export function executiveSummarySection(narrative: Narrative): Section {
  return { title: 'Executive summary', blocks: [{ kind: 'paragraph', text: executiveSummaryOf(narrative) }] };
}

export function recommendationsSection(stored: StoredAnalysis): Section {
  const recommendations = stored.narrative.recommendations ?? [];
  const byId = new Map(stored.findings.map((f) => [f.id, f]));
  if (recommendations.length === 0) {
    const notable = stored.findings.some((f) => f.severity !== 'info');
    return {
      title: 'Recommendations',
      blocks: [
        {
          kind: 'paragraph',
          text: notable
            ? 'The narrative makes no recommendation; see the findings below.'
            : 'No action needed: no finding above info.',
          tone: TONE.muted,
        },
      ],
    };
  }
  return {
    title: 'Recommendations',
    blocks: [
      {
        kind: 'list',
        items: recommendations.map((r): ListItem => {
          // The rationale quotes the findings; the note says how many it acts on.
          const cited = r.findings.filter((id) => byId.has(id)).length;
          const about = cited === 0 ? '' : ` (${plural(cited, 'finding')} cited)`;
          return {
            badge: { text: r.priority, tone: PRIORITY_TONE[r.priority] ?? TONE.plain },
            text: r.action,
            note: `${r.rationale}${about}`,
          };
        }),
      },
    ],
  };
}

interface Group {
  readonly subject: string;
  readonly kind: FindingKind;
  readonly findings: readonly Finding[];
}

/** Findings of one subject and kind together, most severe group first; a group's first finding is its worst. */
function groups(findings: readonly Finding[]): Group[] {
  const map = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.subject}\u0000${f.kind}`;
    const list = map.get(key) ?? [];
    list.push(f);
    map.set(key, list);
  }
  return [...map.values()].map((list) => ({
    subject: (list[0] as Finding).subject,
    kind: (list[0] as Finding).kind,
    findings: list,
  }));
}

function groupItem(g: Group, withSubject: boolean): ListItem {
  const [worst] = g.findings as [Finding, ...Finding[]];
  const others = g.findings.slice(1);
  const [one, many] = FINDING_WORDS[g.kind];
  const what = g.findings.length === 1 ? one : `${count(g.findings.length)} ${many}`;
  return {
    badge: severityBadge(worst.severity),
    lead: `${withSubject ? `${shortName(g.subject)} · ` : ''}${what} · ${worst.at}:`,
    text: worst.title,
    note:
      `Evidence: ${worst.evidence.rows.slice(0, 3).join('; ')}` +
      (others.length > 0
        ? `. Also on ${others
            .slice(0, 4)
            .map((f) => `${f.at} (${f.severity})`)
            .join(', ')}${others.length > 4 ? ` and ${count(others.length - 4)} more` : ''}`
        : '') +
      '.',
  };
}

function tally(findings: readonly Finding[]): string {
  const levels = (['critical', 'high', 'medium', 'low'] as const)
    .map((level) => [level, findings.filter((f) => f.severity === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${count(n)} ${level}`);
  return levels.join(', ');
}

export function findingsSection(stored: StoredAnalysis, charts: ChartSet): Section {
  const notable = stored.findings.filter((f) => f.severity !== 'info');
  const info = stored.findings.filter((f) => f.severity === 'info');
  const total = stored.findings.length + stored.findingsOmitted;
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text:
        notable.length === 0
          ? 'Nothing unusual: no finding above info.'
          : `${plural(notable.length, 'finding')} above info (${tally(notable)})` +
            (stored.findingsOmitted > 0 ? `; ${count(total)} in all, the most severe listed` : '') +
            '.',
    },
  ];
  let rest = notable;
  if (stored.analysis.kind === 'market') {
    const outlooks = new Map((stored.narrative.symbols ?? []).map((s) => [s.symbol, s]));
    const bySymbol = groups(notable).reduce((map, g) => {
      const list = map.get(g.subject) ?? [];
      list.push(g);
      return map.set(g.subject, list);
    }, new Map<string, Group[]>());
    const symbols = new Set(stored.analysis.market.symbols.map((x) => x.symbol));
    // Only symbols get a card; a file-level finding (data quality) is listed below them.
    const carded = [...bySymbol.keys()].filter((k) => symbols.has(k)).slice(0, REPORT_LIMITS.symbolCards);
    for (const symbol of carded) {
      const symbolGroups = bySymbol.get(symbol) as Group[];
      const all = symbolGroups.flatMap((g) => g.findings);
      const worst = all.reduce((w, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[w.severity] ? f : w));
      const bars: readonly ChartBar[] =
        stored.charts && Object.hasOwn(stored.charts, symbol) ? (stored.charts[symbol] ?? []) : [];
      const chart = charts.add(
        sparkline({
          title: `${shortName(symbol)} · close`,
          bars,
          marks: all.map((f) => ({ t: f.at, severity: f.severity })),
        }),
        `Close of ${shortName(symbol)} over its last ${plural(bars.length, 'bar')}, a dot on the bar of each finding.`,
        `spark-${symbol}`,
      );
      const outlook = outlooks.get(shortName(symbol));
      blocks.push({
        kind: 'card',
        title: shortName(symbol),
        badge: severityBadge(worst.severity),
        subtitle: `${plural(all.length, 'finding')} (${tally(all)})${outlook ? ` · outlook ${outlook.outlook}: ${outlook.text}` : ''}`,
        chart,
        items: symbolGroups.slice(0, REPORT_LIMITS.cardItems).map((g) => groupItem(g, false)),
      });
    }
    const cardedSet = new Set(carded);
    rest = notable.filter((f) => !cardedSet.has(f.subject));
  }
  const listed = groups(rest).slice(0, REPORT_LIMITS.findingGroups);
  if (listed.length > 0) blocks.push({ kind: 'list', items: listed.map((g) => groupItem(g, true)) });
  const unlisted = groups(rest).length - listed.length;
  if (unlisted > 0) {
    blocks.push({
      kind: 'paragraph',
      text: `…and ${plural(unlisted, 'more group')} of findings in the stored analysis.`,
      tone: TONE.muted,
    });
  }
  if (info.length > 0) {
    const kinds = groups(info).reduce(
      (map, g) => map.set(g.kind, (map.get(g.kind) ?? 0) + g.findings.reduce((n, f) => n + f.count, 0)),
      new Map<FindingKind, number>(),
    );
    blocks.push({
      kind: 'paragraph',
      text:
        `Info, not concerns: ${[...kinds].map(([kind, n]) => `${count(n)} ${FINDING_WORDS[kind][1]}`).join(', ')}` +
        ' (rules that fire on calm data by construction, grouped per subject).',
      tone: TONE.muted,
    });
  }
  blocks.push({ kind: 'paragraph', text: `How severity is set: ${SEVERITY_RULE}`, tone: TONE.muted });
  return { title: 'Findings', blocks };
}

export function insightsSection(narrative: Narrative): Section {
  const blocks: Block[] = [];
  const insights = narrative.insights ?? [];
  if (insights.length > 0) {
    blocks.push({
      kind: 'list',
      items: insights.map((i) => ({
        badge: { text: `${i.confidence} confidence`, tone: CONFIDENCE_TONE[i.confidence] ?? TONE.plain },
        text: i.text,
      })),
    });
  }
  const highlights = narrative.highlights ?? [];
  if (highlights.length > 0) blocks.push({ kind: 'list', items: highlights.map((text) => ({ text })) });
  const symbols = narrative.symbols ?? [];
  if (symbols.length > 0) {
    blocks.push(
      { kind: 'subheading', text: 'Outlook by symbol' },
      {
        kind: 'list',
        items: symbols.map((s) => ({
          badge: { text: s.outlook, tone: OUTLOOK_TONE[s.outlook] ?? TONE.plain },
          lead: `${shortName(s.symbol)}:`,
          text: s.text,
        })),
      },
    );
  }
  const segments = narrative.segments ?? [];
  if (segments.length > 0) {
    blocks.push(
      { kind: 'subheading', text: 'Best model by segment and region' },
      { kind: 'list', items: segments.map((s) => ({ lead: `${s.segment} · ${s.region}:`, text: s.text })) },
    );
  }
  const themes = narrative.reviewThemes ?? [];
  if (themes.length > 0) {
    blocks.push(
      { kind: 'subheading', text: 'Review themes' },
      {
        kind: 'list',
        items: themes.map((t) => ({
          badge: {
            text: t.sentiment,
            tone:
              OUTLOOK_TONE[
                t.sentiment === 'positive' ? 'bullish' : t.sentiment === 'negative' ? 'bearish' : 'neutral'
              ] ?? TONE.plain,
          },
          lead: `${t.theme}:`,
          text: t.text,
        })),
      },
    );
  }
  const concerns = narrative.concerns ?? [];
  if (concerns.length > 0) {
    blocks.push(
      { kind: 'subheading', text: 'Concerns' },
      { kind: 'list', items: concerns.map((text) => ({ text })) },
    );
  }
  if (blocks.length === 0)
    blocks.push({ kind: 'paragraph', text: 'No insight was written.', tone: TONE.muted });
  return { title: 'Insights', blocks };
}
