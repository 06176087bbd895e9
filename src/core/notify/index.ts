/** Notify: what the rest of sluice may use to render the report email. */
export { escapeHtml } from './escape.js';
export { REPORT_LIMITS } from './limits.js';
export { type InlineImage, inlineCidImages } from './preview.js';
export { type RenderedReport, type RenderOptions, renderReport } from './render.js';
export type { ReportChart } from './report-document.js';
export {
  DEFAULT_SUBJECT_TEMPLATE,
  MAX_SUBJECT_LENGTH,
  SUBJECT_PLACEHOLDERS,
  SubjectTemplateSchema,
} from './subject.js';
