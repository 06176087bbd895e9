/** The vitals report: per-measure ranges and out-of-band shares, the longest streaks, a users table (capped). */
import type { Narrative } from '../analyze/narrative.js';
import {
  BANDED_MEASURES,
  type BandedMeasure,
  MEASURES,
  type Measure,
  type Streak,
  type UserVitals,
  type VitalsAnalysis,
} from '../analyze/vitals.js';
import type { ChartSet } from './chart-set.js';
import { barChart } from './charts.js';
import { sentimentTone } from './common-sections.js';
import { count, decimal, MISSING, moment, pct, period, plural, shortName } from './format.js';
import { REPORT_LIMITS } from './limits.js';
import { type Block, cell, type DatasetReport, type Section, TONE } from './report-document.js';

const MEASURE_LABELS: Readonly<Record<Measure, string>> = {
  heart_rate: 'Heart rate (bpm)',
  spo2: 'SpO2 (%)',
  steps: 'Steps',
  temp_c: 'Temperature (°C)',
  systolic_bp: 'Systolic (mmHg)',
  diastolic_bp: 'Diastolic (mmHg)',
};

/** Short names for running text. */
const MEASURE_NAMES: Readonly<Record<Measure, string>> = {
  heart_rate: 'heart rate',
  spo2: 'SpO2',
  steps: 'steps',
  temp_c: 'temperature',
  systolic_bp: 'systolic',
  diastolic_bp: 'diastolic',
};

const isBanded = (m: Measure): m is BandedMeasure => (BANDED_MEASURES as readonly string[]).includes(m);

/** A user's longest streak over all measures. */
function longestOf(user: UserVitals): { measure: BandedMeasure; streak: Streak } | null {
  let best: { measure: BandedMeasure; streak: Streak } | null = null;
  for (const measure of BANDED_MEASURES) {
    const streak = user.longestStreaks[measure];
    if (streak && streak.length > (best?.streak.length ?? 0)) best = { measure, streak };
  }
  return best;
}

/** The measure with the largest share of readings out of band. */
const worstMeasure = (v: VitalsAnalysis): BandedMeasure =>
  [...BANDED_MEASURES].sort(
    (a, b) => (v.outOfBand[b].sharePct ?? 0) - (v.outOfBand[a].sharePct ?? 0),
  )[0] as BandedMeasure;

function measuresSection(v: VitalsAnalysis): Section {
  return {
    title: 'Per measure',
    blocks: [
      {
        kind: 'table',
        columns: [
          { label: 'Measure' },
          { label: 'Min', numeric: true },
          { label: 'Mean', numeric: true },
          { label: 'Max', numeric: true },
          { label: 'Out of band', numeric: true },
          { label: 'Users w/ streak', numeric: true },
          { label: 'Near limits', numeric: true },
        ],
        rows: MEASURES.map((m) => {
          const stats = v.measures[m];
          const digits = m === 'temp_c' ? 1 : 0;
          return [
            cell(MEASURE_LABELS[m]),
            cell(decimal(stats?.min, digits)),
            cell(decimal(stats?.mean, 1)),
            cell(decimal(stats?.max, digits)),
            isBanded(m) ? cell(pct(v.outOfBand[m].sharePct)) : cell(MISSING),
            isBanded(m) ? cell(count(v.usersWithStreaks[m])) : cell(MISSING),
            cell(count(v.nearLimits[m].low + v.nearLimits[m].high)),
          ];
        }),
      },
      {
        kind: 'paragraph',
        text:
          `Out of band: ${BANDED_MEASURES.map((m) => v.rules.comfortBands[m]).join('; ')}. ` +
          `Streaks: ${v.rules.streak}. Near limits: ${v.rules.nearLimits}.`,
        tone: TONE.muted,
      },
    ],
  };
}

function chartsSection(v: VitalsAnalysis, charts: ChartSet): Section {
  const shares = BANDED_MEASURES.map((m) => ({
    label: MEASURE_LABELS[m],
    value: v.outOfBand[m].sharePct ?? 0,
    valueLabel: pct(v.outOfBand[m].sharePct),
  }));
  const busiest = [...v.perUser]
    .sort((a, b) => b.readings - a.readings || (a.userId < b.userId ? -1 : 1))
    .slice(0, REPORT_LIMITS.chartBars);
  const sharesChart = charts.add(
    barChart({ title: 'Readings outside the comfort band', bars: shares }),
    `Share of readings outside the comfort band: ${shares.map((s) => `${s.label} ${s.valueLabel}`).join(', ')}.`,
    'out-of-band-share',
  );
  const usersChart = charts.add(
    barChart({
      title: 'Readings per user',
      bars: busiest.map((u) => ({ label: u.userId, value: u.readings, valueLabel: count(u.readings) })),
    }),
    `Readings per user: ${busiest.map((u) => `${shortName(u.userId)} ${count(u.readings)}`).join(', ')}.`,
    'readings-per-user',
  );
  const usersNote =
    v.perUser.length > busiest.length
      ? ` (the ${busiest.length} with most of ${count(v.perUser.length)})`
      : '';
  return {
    title: 'Out of band and coverage',
    blocks: [
      {
        kind: 'chart',
        chart: sharesChart,
        caption: 'Share of each measure’s readings outside its comfort band.',
      },
      { kind: 'chart', chart: usersChart, caption: `Readings per user${usersNote}.` },
    ],
  };
}

function streaksSection(v: VitalsAnalysis): Section {
  const listed = v.longestStreaks.slice(0, REPORT_LIMITS.streaks);
  const blocks: Block[] =
    listed.length === 0
      ? [{ kind: 'paragraph', text: 'No user had a streak of readings outside a comfort band.' }]
      : [
          {
            kind: 'table',
            columns: [
              { label: 'User' },
              { label: 'Measure' },
              { label: 'Readings', numeric: true },
              { label: 'From' },
              { label: 'To' },
            ],
            rows: listed.map((s) => [
              cell(shortName(s.userId)),
              cell(MEASURE_LABELS[s.measure]),
              cell(count(s.length), TONE.negative),
              cell(moment(s.start)),
              cell(moment(s.end)),
            ]),
          },
        ];
  return { title: 'Longest streaks', blocks };
}

function usersSection(v: VitalsAnalysis): Section {
  const ranked = v.perUser
    .map((user) => ({ user, longest: longestOf(user) }))
    .sort(
      (a, b) =>
        (b.longest?.streak.length ?? 0) - (a.longest?.streak.length ?? 0) ||
        (a.user.userId < b.user.userId ? -1 : 1),
    );
  const shown = ranked.slice(0, REPORT_LIMITS.userRows);
  const hidden = ranked.length - shown.length;
  return {
    title: 'Users',
    blocks: [
      { kind: 'paragraph', text: 'Longest streak first.', tone: TONE.muted },
      {
        kind: 'table',
        columns: [
          { label: 'User' },
          { label: 'Readings', numeric: true },
          { label: 'Hours', numeric: true },
          { label: 'HR mean', numeric: true },
          { label: 'SpO2 min', numeric: true },
          { label: 'Temp max', numeric: true },
          { label: 'Longest streak' },
        ],
        rows: shown.map(({ user, longest }) => [
          cell(shortName(user.userId)),
          cell(count(user.readings)),
          cell(decimal(user.spanHours)),
          cell(decimal(user.measures.heart_rate.mean)),
          cell(decimal(user.measures.spo2.min, 0)),
          cell(decimal(user.measures.temp_c.max)),
          longest
            ? cell(`${longest.streak.length} ${MEASURE_NAMES[longest.measure]}`, TONE.negative)
            : cell(MISSING),
        ]),
        ...(hidden > 0 ? { more: `…and ${plural(hidden, 'more user')} with shorter or no streaks.` } : {}),
      },
    ],
  };
}

export function vitalsReport(
  v: VitalsAnalysis,
  charts: ChartSet,
  sentiment: Narrative['sentiment'],
): DatasetReport {
  const worst = worstMeasure(v);
  return {
    title: 'Health vitals report',
    badge: { text: sentiment, tone: sentimentTone(sentiment) },
    lead:
      `${plural(v.readings, 'reading')} from ${plural(v.users, 'user')} · ` +
      `${count(v.usersWithAnyStreak)} with out-of-band streaks`,
    glance: {
      title: 'At a glance',
      blocks: [
        {
          kind: 'figures',
          figures: [
            { label: 'Readings', value: count(v.readings) },
            { label: 'Users', value: count(v.users) },
            {
              label: 'Users with streaks',
              value: count(v.usersWithAnyStreak),
              tone: v.usersWithAnyStreak > 0 ? TONE.negative : TONE.plain,
            },
            {
              label: 'Period',
              value: period(v.start && moment(v.start), v.end && moment(v.end)),
            },
            {
              label: 'Most out of band',
              value: MEASURE_LABELS[worst],
              note: `${pct(v.outOfBand[worst].sharePct)} of readings`,
            },
            {
              label: 'Longest streak',
              value: v.longestStreaks[0] ? plural(v.longestStreaks[0].length, 'reading') : MISSING,
              note: v.longestStreaks[0] ? shortName(v.longestStreaks[0].userId) : undefined,
            },
          ],
        },
      ],
    },
    details: [chartsSection(v, charts), measuresSection(v), streaksSection(v), usersSection(v)],
  };
}
