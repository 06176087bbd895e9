/**
 * What a report says, apart from how it looks: every dataset's report is
 * built once as this document, then drawn as HTML and as plain text, so the
 * two alternatives of the email always carry the same content.
 */

export const TONE = {
  plain: 'plain',
  muted: 'muted',
  positive: 'positive',
  negative: 'negative',
  warning: 'warning',
} as const;
export type Tone = (typeof TONE)[keyof typeof TONE];

/** A figure's tone from its sign: gains green, losses red. */
export const toneOf = (value: number | null | undefined): Tone =>
  typeof value !== 'number' || !Number.isFinite(value) || value === 0
    ? TONE.plain
    : value > 0
      ? TONE.positive
      : TONE.negative;

export interface Cell {
  readonly text: string;
  readonly tone?: Tone;
}

export interface Column {
  readonly label: string;
  /** Numbers align right, in HTML and in the text table. */
  readonly numeric?: boolean;
}

export interface Figure {
  readonly label: string;
  readonly value: string;
  readonly tone?: Tone;
  /** A short line under the value: its basis or a second figure. */
  readonly note?: string;
}

export interface Badge {
  readonly text: string;
  readonly tone: Tone;
}

export interface ListItem {
  /** A severity, priority or confidence label before the item. */
  readonly badge?: Badge;
  /** Bold lead-in, e.g. the symbol and date of an anomaly. */
  readonly lead?: string;
  readonly text: string;
  /** A muted line under the item: its evidence or rationale. */
  readonly note?: string;
}

/** A chart the email carries as an inline image, referenced as `cid:<cid>`. */
export interface ReportChart {
  readonly cid: string;
  /** File name of the PNG attachment. */
  readonly filename: string;
  readonly svg: string;
  /** Says what the chart shows, for screen readers and clients that block images. */
  readonly alt: string;
  readonly width: number;
  readonly height: number;
}

export type Block =
  | { readonly kind: 'paragraph'; readonly text: string; readonly tone?: Tone }
  | { readonly kind: 'subheading'; readonly text: string }
  | { readonly kind: 'figures'; readonly figures: readonly Figure[] }
  | {
      readonly kind: 'table';
      readonly columns: readonly Column[];
      readonly rows: ReadonlyArray<readonly Cell[]>;
      /** Says what was left out, e.g. "and 450 more symbols". */
      readonly more?: string;
    }
  | { readonly kind: 'list'; readonly items: readonly ListItem[] }
  /** A boxed summary of one subject (a symbol): title, badge, an optional small chart, its findings. */
  | {
      readonly kind: 'card';
      readonly title: string;
      readonly badge?: Badge;
      readonly subtitle?: string;
      readonly chart?: ReportChart;
      readonly items: readonly ListItem[];
    }
  | { readonly kind: 'chart'; readonly chart: ReportChart; readonly caption: string };

export interface Section {
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface ReportDocument {
  /** "Market report", "Sales report", ... */
  readonly title: string;
  readonly dataset: string;
  /** The narrative's headline. */
  readonly headline: string;
  readonly badge: { readonly text: string; readonly tone: Tone };
  /** Computed figures under the headline (top gainer and loser, totals). */
  readonly lead: string;
  readonly sections: readonly Section[];
  readonly footer: ReadonlyArray<{ readonly label: string; readonly value: string }>;
}

/** The last word of every report, in both alternatives. */
export const FOOTNOTE =
  'Figures are computed by sluice from the input; the narrative was written from those figures by the model named above.';

export const cell = (text: string, tone?: Tone): Cell => (tone ? { text, tone } : { text });

/** What one dataset's report contributes; the narrative, data quality and footer are common. */
export interface DatasetReport {
  readonly title: string;
  readonly badge: ReportDocument['badge'];
  readonly lead: string;
  /** Key figures, shown before the narrative. */
  readonly glance: Section;
  /** Tables and charts, shown after it. */
  readonly details: readonly Section[];
}
