/**
 * A loopback proxy in front of dynalite that answers chosen DynamoDB calls the way
 * DynamoDB does under load, for the real SDK client to talk to: a throttling error
 * (HTTP 400, `__type` ...#ProvisionedThroughputExceededException), or a
 * BatchWriteItem that writes only its first items and hands the rest back as
 * UnprocessedItems (dynalite never does either). Every other call passes through.
 */
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type DynamoFault =
  | { readonly kind: 'throttle'; readonly type: string }
  /** BatchWriteItem only: the first `keep` requests are written, the rest come back unprocessed. */
  | { readonly kind: 'unprocessed'; readonly keep: number };

export const dynamoFault = {
  throughputExceeded: (): DynamoFault => ({
    kind: 'throttle',
    type: 'ProvisionedThroughputExceededException',
  }),
  throttling: (): DynamoFault => ({ kind: 'throttle', type: 'ThrottlingException' }),
  unprocessed: (keep: number): DynamoFault => ({ kind: 'unprocessed', keep }),
};

export interface DynamoFaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Operation names (`PutItem`, `BatchWriteItem`...) in call order, faulted ones included. */
  readonly calls: readonly string[];
  /** The next calls of `operation` get these faults, in order; later ones pass through. */
  failNext(operation: string, ...faults: DynamoFault[]): void;
  /** Every further call of `operation` gets this fault until `clear`. */
  failAlways(operation: string, fault: DynamoFault): void;
  clear(): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/x-amz-json-1.0';

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'fault-proxy',
  });
  res.end(text);
}

export async function startDynamoFaultProxy(upstream: string): Promise<DynamoFaultProxy> {
  const target = new URL(upstream);
  const calls: string[] = [];
  const queues = new Map<string, DynamoFault[]>();
  const always = new Map<string, DynamoFault>();

  const forward = (
    headers: Record<string, string | string[] | undefined>,
    path: string,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const upstreamRequest = request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path,
          headers: { ...headers, host: target.host, 'content-length': body.length },
        },
        (upstreamResponse) => {
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamResponse.on('end', () =>
            resolve({
              status: upstreamResponse.statusCode ?? 500,
              headers: upstreamResponse.headers,
              body: Buffer.concat(chunks),
            }),
          );
          upstreamResponse.on('error', reject);
        },
      );
      upstreamRequest.on('error', reject);
      upstreamRequest.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks);
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        calls.push(operation);
        const fault = queues.get(operation)?.shift() ?? always.get(operation);
        if (fault?.kind === 'throttle') {
          return answer(res, 400, {
            __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`,
            message: 'scripted: the level of configured provisioned throughput for the table was exceeded',
          });
        }
        if (fault?.kind === 'unprocessed' && operation === 'BatchWriteItem') {
          const input = JSON.parse(body.toString('utf8')) as { RequestItems: Record<string, unknown[]> };
          const [table, requests] = Object.entries(input.RequestItems)[0] ?? ['', []];
          const kept = Buffer.from(
            JSON.stringify({ RequestItems: { [table]: requests.slice(0, fault.keep) } }),
          );
          if (fault.keep > 0) await forward(req.headers, req.url ?? '/', kept);
          return answer(res, 200, { UnprocessedItems: { [table]: requests.slice(fault.keep) } });
        }
        const out = await forward(req.headers, req.url ?? '/', body);
        res.writeHead(out.status, out.headers);
        res.end(out.body);
      } catch (error) {
        answer(res, 500, { __type: 'InternalServerError', message: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNext(operation, ...faults) {
      queues.set(operation, [...(queues.get(operation) ?? []), ...faults]);
    },
    failAlways(operation, fault) {
      always.set(operation, fault);
    },
    clear() {
      queues.clear();
      always.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
