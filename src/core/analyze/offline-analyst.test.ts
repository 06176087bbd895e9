import { describe, expect, it } from 'vitest';
import { validNarrative } from '../../../test/helpers/analyst-fixtures.js';
import { AnalystError } from '../errors.js';
import type { Narrative } from './narrative.js';
import { OfflineAnalyst } from './offline-analyst.js';

const request = { dataset: 'health-vitals', correlationId: 'c', facts: { users: 12 } };

describe('OfflineAnalyst', () => {
  it('hands the facts and the dataset to the writer and reports no usage', async () => {
    const seen: unknown[] = [];
    const analyst = new OfflineAnalyst((facts, dataset) => {
      seen.push(facts, dataset);
      return validNarrative;
    });

    const result = await analyst.write(request);

    expect(seen).toEqual([{ users: 12 }, 'health-vitals']);
    expect(result).toMatchObject({
      narrative: validNarrative,
      model: 'offline',
      usage: { inputTokens: 0, outputTokens: 0 },
      attempts: 1,
    });
    expect(analyst.name).toBe('offline');
  });

  it('refuses a narrative from the writer that breaks the schema', async () => {
    const analyst = new OfflineAnalyst(() => ({ ...validNarrative, headline: '' }) as Narrative);
    const error = await analyst.write(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalystError);
    expect(error).toMatchObject({ code: 'ANALYST.FAILED', attempts: 1 });
  });

  it('turns a writer that throws into an AnalystError', async () => {
    const analyst = new OfflineAnalyst(() => {
      throw new RangeError('no symbols');
    });
    await expect(analyst.write(request)).rejects.toMatchObject({
      code: 'ANALYST.FAILED',
      message: 'offline narrative failed: no symbols',
    });
  });
});
