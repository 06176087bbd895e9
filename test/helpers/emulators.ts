/**
 * Emulated S3 (s3rver) and DynamoDB (dynalite) on 127.0.0.1 random ports, started
 * by the tests that need them. Each client gets its own connection pool, as another
 * process or Lambda would; stop() destroys them all and shuts the servers down.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Neither emulator ships type declarations; these are the parts used here.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverServer;
type Dynalite = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;
const dynalite = require('dynalite') as Dynalite;

const REGION = 'us-east-1';
// Static fake credentials keep the SDK from looking for real ones. s3rver checks
// signatures against its one built-in account; dynalite accepts any.
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const FAKE_CREDENTIALS = { accessKeyId: 'AKIAFAKEFORTESTS', secretAccessKey: 'fake-secret-for-tests' };

const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface S3Emulator {
  readonly endpoint: string;
  /** Created at start. */
  readonly bucket: string;
  /** A client on the emulator with its own connection pool. */
  client(): S3Client;
  /** Creates another empty bucket (one per test keeps tests apart) and returns its name. */
  createBucket(): Promise<string>;
  stop(): Promise<void>;
}

export async function startS3Emulator(): Promise<S3Emulator> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'sluice-s3rver-'));
  const bucket = uniqueName('sluice');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = () => {
    const created = new S3Client({
      region: REGION,
      endpoint,
      credentials: S3RVER_CREDENTIALS,
      forcePathStyle: true,
    });
    clients.push(created);
    return created;
  };
  const admin = client();
  return {
    endpoint,
    bucket,
    client,
    async createBucket() {
      const name = uniqueName('sluice');
      await admin.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      for (const created of clients.splice(0)) created.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface DynamoDbEmulator {
  readonly endpoint: string;
  /** Created at start, with the production key schema (see docs/dynamodb-table.md). */
  readonly table: string;
  /** A document client (removeUndefinedValues) with its own connection pool. */
  documentClient(): DynamoDBDocumentClient;
  /** Creates another empty table (one per test keeps tests apart) and returns its name. */
  createTable(): Promise<string>;
  stop(): Promise<void>;
}

export async function startDynamoDbEmulator(): Promise<DynamoDbEmulator> {
  // In memory (no path), and tables ACTIVE at once rather than after dynalite's 500 ms.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const lowLevel = () => {
    const created = new DynamoDBClient({ region: REGION, endpoint, credentials: FAKE_CREDENTIALS });
    clients.push(created);
    return created;
  };
  const admin = lowLevel();
  const createTable = async () => {
    const name = uniqueName('sluice');
    await admin.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    return name;
  };
  const table = await createTable();
  return {
    endpoint,
    table,
    documentClient: () =>
      DynamoDBDocumentClient.from(lowLevel(), { marshallOptions: { removeUndefinedValues: true } }),
    createTable,
    async stop() {
      for (const created of clients.splice(0)) created.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
