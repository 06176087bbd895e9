/**
 * How much of an analysis a report shows. Gmail clips a message past 102 KB
 * and a long mail is not read anyway, so every list that grows with the data
 * is capped; the full figures stay in the stored analysis.
 */
export const REPORT_LIMITS = {
  /** Symbols with a price chart: the largest by traded value. */
  marketCharts: 20,
  /** Rows of the symbols table (largest by traded value first), then an "and N more" line. */
  marketTableRows: 50,
  /** Market-wide anomalies listed with their explanation (the analysis keeps 20). */
  anomalies: 20,
  /** Symbols with a findings card and a sparkline: the ones with the most severe findings. */
  symbolCards: 5,
  /** Findings listed outside the cards, grouped per subject and kind. */
  findingGroups: 12,
  /** Finding groups (kinds) shown in one symbol card. */
  cardItems: 4,
  /** Bars of a bar chart, largest first; its caption says how many there were. */
  chartBars: 15,
  /** Rows of a grouped sales table (brands, models). */
  groupRows: 20,
  /** Price outliers listed. */
  outliers: 20,
  /** Rows of the vitals users table. */
  userRows: 50,
  /** Longest streaks listed across users. */
  streaks: 10,
  /** Rows of each profile columns table. */
  profileColumns: 60,
  /** Numeric columns of a profile with a histogram, in declaration order. */
  profileHistograms: 6,
  /** Characters of a name from the data in a table cell or chart label. */
  nameLength: 32,
  /** Characters of a name on a chart axis, where space is tight. */
  chartLabelLength: 18,
} as const;
