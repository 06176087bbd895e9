/**
 * `POST /ingest` behind API Gateway (REST API, proxy integration). The request
 * is validated and stored by `acceptUpload` (shared with `sluice dev`); the S3
 * event then starts ingest like any dropped file, and the answer is 202 with
 * where the manifest will appear.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { instrument } from '../adapters/aws/observability.js';
import { ApiError, acceptedBody, acceptUpload, INTERNAL_ERROR_BODY } from '../core/api/accept-upload.js';
import { errorMessage } from '../core/errors.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('api-ingest');

function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

async function accept(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const upload = await acceptUpload(
    runtime.store(),
    {
      headers: event.headers ?? {},
      query: event.queryStringParameters ?? {},
      body: { text: event.body, base64: event.isBase64Encoded },
    },
    { maxBytes: runtime.env.SLUICE_API_MAX_BYTES, contracts: runtime.contracts },
  );
  runtime.observability.logger.info('api input accepted', {
    id: upload.id,
    key: upload.key,
    bytes: upload.bytes,
    created: upload.created,
  });
  return json(202, acceptedBody(upload), {
    location: `s3://${runtime.env.SLUICE_BUCKET}/${upload.manifest}`,
  });
}

export const handler = instrument(
  runtime.observability,
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      return await accept(event);
    } catch (error) {
      if (error instanceof ApiError) return json(error.status, { error: error.toJSON() });
      // The details go to the log, not to the caller.
      runtime.observability.logger.error('api ingest failed', { error: errorMessage(error) });
      return json(500, INTERNAL_ERROR_BODY);
    }
  },
);
