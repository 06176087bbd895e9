/** One run: its manifest, rejected rows by reason, narrative, groups and email. */
import { levelBadge, sentimentBadge, statusBadge } from './badges.js';
import { el, localPath, route } from './dom.js';
import * as fmt from './format.js';

const GROUP_LABELS = { market: 'Symbols', sales: 'Brands', vitals: 'Users', profile: 'Columns' };

/** @param {Array<[string, unknown]>} pairs */
function figures(pairs) {
  return el(
    'dl',
    { class: 'figures' },
    pairs.map(([label, value]) =>
      el('div', { 'data-testid': `figure-${label.toLowerCase().replaceAll(' ', '-')}` }, [
        el('dt', {}, label),
        el('dd', {}, value),
      ]),
    ),
  );
}

/** @param {any} detail */
function manifestSection(detail) {
  const { run, manifest } = detail;
  const counts = manifest.counts ?? {};
  const input = manifest.input ?? {};
  const source = manifest.datasetSource ? ` (${manifest.datasetSource})` : '';
  return el('section', { class: 'panel', 'aria-labelledby': 'manifest-title', 'data-testid': 'manifest' }, [
    el('h3', { id: 'manifest-title' }, 'Manifest'),
    figures([
      ['Dataset', `${run.dataset ?? fmt.DASH}${source}`],
      ['Rows', fmt.count(counts.total ?? run.total)],
      ['Valid', fmt.count(counts.valid ?? run.valid)],
      [
        'Rejected',
        `${fmt.count(counts.rejected ?? run.rejected)} (${fmt.percent(counts.rejectPct ?? run.rejectPct)})`,
      ],
      ['Input size', `${fmt.bytes(input.bytes)}${input.gzip ? ' gzip' : ''}`],
      ['Started', fmt.time(run.startedAt)],
      ['Duration', fmt.duration(run.durationMs)],
      ['Cost', fmt.cost(run.costUsd)],
      ['Model', run.model ?? fmt.DASH],
    ]),
    manifest.reason
      ? el('p', { class: 'alert', role: 'note' }, `${manifest.reason.code}: ${manifest.reason.message}`)
      : null,
    el('details', { class: 'raw' }, [
      el('summary', {}, 'Manifest JSON'),
      el('pre', { 'data-testid': 'manifest-json' }, JSON.stringify(manifest, null, 2)),
    ]),
  ]);
}

/** @param {any} row */
function rejectRow(row) {
  return el('tr', {}, [
    el('td', { class: 'num' }, row.line ?? row.index),
    el('td', {}, row.group ?? fmt.DASH),
    el(
      'td',
      {},
      el(
        'ul',
        { class: 'plain' },
        row.reasons.map((r) => el('li', { title: r.field ?? null }, r.message)),
      ),
    ),
    el('td', {}, el('pre', { class: 'raw-row' }, JSON.stringify(row.raw))),
  ]);
}

/** @param {any} group */
function rejectGroup(group) {
  const shown = group.rows.length;
  return el(
    'details',
    { class: 'reject-group', 'data-testid': 'reject-group', dataset: { code: group.code } },
    [
      el(
        'summary',
        {},
        el('code', { 'data-testid': 'reject-code' }, group.code),
        ' ',
        el('span', { class: 'count', 'data-testid': 'reject-count' }, fmt.count(group.count)),
        ` row${group.count === 1 ? '' : 's'}`,
        shown < group.count ? el('span', { class: 'muted' }, ` (first ${shown} shown)`) : null,
      ),
      el('table', { class: 'rejects' }, [
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['Line', 'Group', 'Reasons', 'Raw row'].map((c) => el('th', { scope: 'col' }, c)),
          ),
        ),
        el('tbody', {}, group.rows.map(rejectRow)),
      ]),
    ],
  );
}

/** @param {any} detail */
function rejectsSection(detail) {
  const { rejects } = detail;
  const download = localPath(rejects.downloadUrl);
  return el('section', { class: 'panel', 'aria-labelledby': 'rejects-title', 'data-testid': 'rejects' }, [
    el('h3', { id: 'rejects-title' }, `Rejected rows (${fmt.count(rejects.total)})`),
    rejects.total === 0 ? el('p', { class: 'muted' }, 'No row was rejected.') : null,
    download
      ? el(
          'p',
          {},
          el(
            'a',
            { href: download, download: '', 'data-testid': 'rejects-download' },
            'Download the rejects file',
          ),
          el('span', { class: 'muted' }, ' (JSON Lines, one rejected row per line)'),
        )
      : null,
    rejects.groups.map(rejectGroup),
  ]);
}

/** @param {string} title @param {string[]} items @param {string} testid */
function list(title, items, testid) {
  if (items.length === 0) return null;
  return [
    el('h4', {}, title),
    el(
      'ul',
      { 'data-testid': testid },
      items.map((i) => el('li', {}, i)),
    ),
  ];
}

/** Findings listed on the run view; the stored analysis keeps them all. */
const FINDINGS_SHOWN = 20;

/** @param {any} detail */
function recommendationsList(detail) {
  const recommendations = detail.narrative?.recommendations ?? [];
  if (recommendations.length === 0) return null;
  return [
    el('h4', {}, 'Recommendations'),
    el(
      'ul',
      { class: 'recommendations', 'data-testid': 'recommendations' },
      recommendations.map((/** @type {any} */ r) =>
        el('li', { 'data-testid': 'recommendation' }, [
          levelBadge(r.priority, 'priority-badge'),
          ' ',
          r.action,
          el('span', { class: 'note' }, r.rationale),
        ]),
      ),
    ),
  ];
}

/** @param {any} detail */
function findingsList(detail) {
  const notable = (detail.findings ?? []).filter((/** @type {any} */ f) => f.severity !== 'info');
  const info = (detail.findings ?? []).length - notable.length;
  return [
    el('h4', {}, 'Findings'),
    notable.length === 0
      ? el('p', { class: 'muted', 'data-testid': 'no-findings' }, 'Nothing unusual: no finding above info.')
      : el(
          'ul',
          { class: 'findings', 'data-testid': 'findings' },
          notable
            .slice(0, FINDINGS_SHOWN)
            .map((/** @type {any} */ f) =>
              el('li', { 'data-testid': 'finding', dataset: { findingId: f.id } }, [
                levelBadge(f.severity, 'severity-badge'),
                ' ',
                el('strong', {}, `${f.subject} · ${f.at} · ${f.kind.replaceAll('_', ' ')}: `),
                f.title,
                el('span', { class: 'note' }, `Evidence: ${f.evidence.rows.slice(0, 3).join('; ')}`),
              ]),
            ),
        ),
    notable.length > FINDINGS_SHOWN
      ? el('p', { class: 'muted' }, `…and ${fmt.count(notable.length - FINDINGS_SHOWN)} more above info.`)
      : null,
    info > 0 ? el('p', { class: 'muted' }, `${fmt.count(info)} info findings (not concerns).`) : null,
  ];
}

/** @param {any} detail */
function narrativeSection(detail) {
  const { narrative, run } = detail;
  const insights = (narrative?.insights ?? []).map(
    (/** @type {any} */ i) => `${i.text} (${i.confidence} confidence)`,
  );
  const body = narrative
    ? [
        el(
          'p',
          { class: 'headline', 'data-testid': 'narrative-headline' },
          narrative.headline,
          ' ',
          sentimentBadge(narrative.sentiment),
        ),
        el(
          'p',
          { 'data-testid': 'narrative-summary' },
          narrative.executiveSummary ?? narrative.summary ?? '',
        ),
        recommendationsList(detail),
        findingsList(detail),
        list('Insights', insights, 'narrative-insights'),
        list('Highlights', narrative.highlights ?? [], 'narrative-highlights'),
        list('Warnings', narrative.concerns ?? [], 'narrative-concerns'),
      ]
    : el(
        'p',
        { class: 'muted' },
        run.status === 'rejected' ? 'No analysis: the file was rejected.' : 'No narrative yet.',
      );
  return el('section', { class: 'panel', 'aria-labelledby': 'narrative-title', 'data-testid': 'narrative' }, [
    el('h3', { id: 'narrative-title' }, 'Analysis'),
    body,
  ]);
}

/** @param {any} detail */
function groupsSection(detail) {
  if (detail.groups.length === 0) return null;
  const label = GROUP_LABELS[detail.analysisKind] ?? 'Groups';
  const byGroup = detail.manifest.counts?.groups ?? {};
  return el('section', { class: 'panel', 'aria-labelledby': 'groups-title', 'data-testid': 'groups' }, [
    el('h3', { id: 'groups-title' }, label),
    el(
      'ul',
      { class: 'group-links' },
      detail.groups.map((name) => {
        const counts = Object.hasOwn(byGroup, name) ? byGroup[name] : null;
        return el('li', {}, [
          el('a', { href: route('runs', detail.run.id, 'groups', name), 'data-testid': 'group-link' }, name),
          counts ? el('span', { class: 'muted' }, ` ${fmt.count(counts.valid)} valid`) : null,
        ]);
      }),
    ),
  ]);
}

/** @param {any} detail */
function noticeSection(detail) {
  const notice = detail.run.failureNotice;
  if (!notice) return null;
  return el(
    'section',
    { class: 'panel notice', 'aria-labelledby': 'notice-title', 'data-testid': 'notice' },
    [
      el('h3', { id: 'notice-title' }, 'Failure notice'),
      el('p', {}, el('span', { class: 'muted' }, 'Subject: '), notice.subject),
      el(
        'p',
        {},
        el('span', { class: 'muted' }, 'Sent: '),
        el('time', { datetime: notice.sentAt }, fmt.time(notice.sentAt)),
      ),
      el('p', { class: 'muted' }, 'The mail is in the outbox (or went through the configured mailer).'),
    ],
  );
}

/** @param {any} detail */
function emailSection(detail) {
  const preview = localPath(detail.email?.previewUrl);
  return el('section', { class: 'panel email', 'aria-labelledby': 'email-title', 'data-testid': 'email' }, [
    el('h3', { id: 'email-title' }, 'Email preview'),
    preview
      ? [
          el('p', {}, el('span', { class: 'muted' }, 'Subject: '), detail.email.subject),
          // An empty sandbox: the report may show, never script or navigate the dashboard.
          el('iframe', {
            src: preview,
            sandbox: '',
            title: 'Email report preview',
            referrerpolicy: 'no-referrer',
            'data-testid': 'email-preview',
          }),
        ]
      : el('p', { class: 'muted' }, 'No email yet.'),
  ]);
}

/** @param {any} detail the `RunDetail` from `/api/runs/:id` */
export function renderRunDetail(detail) {
  const { run } = detail;
  return el('article', { class: 'detail', 'data-testid': 'run-detail', dataset: { runId: run.id } }, [
    el('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, el('a', { href: '#/' }, '← All runs')),
    el('header', { class: 'detail-head' }, [
      el('h2', { 'data-testid': 'detail-file' }, run.file),
      statusBadge(run.status, run.reason),
      el('span', { class: 'muted id' }, run.id),
    ]),
    el('div', { class: 'columns' }, [
      el('div', {}, [manifestSection(detail), groupsSection(detail), narrativeSection(detail)]),
      el('div', {}, [noticeSection(detail), rejectsSection(detail), emailSection(detail)]),
    ]),
  ]);
}
