/**
 * What each function may do to the data bucket, its key and the state table,
 * written as the few actions the code calls instead of CDK's grantRead/grantPut
 * and grantReadWriteData sets (which add List*, GetBucket*, Scan, DeleteItem and
 * more to every function). The sets here are the contract: a new call in a handler
 * needs a line here, and the template tests name every action.
 */
import type { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** Claim items (src/adapters/aws/state-store.dynamodb.ts CLAIM_PK_PREFIX): the only items a stage deletes. */
export const CLAIM_PK_PATTERN = 'CLAIM#*';

export interface ObjectAccess {
  /** Key patterns read with GetObject (HeadObject needs the same permission). */
  readonly read?: readonly string[];
  /** Key patterns written with PutObject, single or multipart. */
  readonly write?: readonly string[];
  /** Of `write`, those written by multipart upload, whose failed parts the writer aborts. */
  readonly multipart?: readonly string[];
  /**
   * ListBucket on the bucket. Without it S3 answers a HEAD of a missing key with 403
   * instead of 404, so a function that asks "is it there?" needs it. S3 checks it
   * without a prefix in the request context, so an `s3:prefix` condition would deny it.
   * @default false
   */
  readonly list?: boolean;
}

const objectArns = (bucket: s3.IBucket, patterns: readonly string[]) =>
  patterns.map((pattern) => bucket.arnForObjects(pattern));

/** The S3 statements of one function, and the key use its reads and writes need (through S3 only). */
export function grantObjects(
  grantee: iam.IGrantable,
  bucket: s3.IBucket,
  access: ObjectAccess,
  key?: kms.IKey,
): void {
  const statements: iam.PolicyStatement[] = [];
  if (access.read?.length) {
    statements.push(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objectArns(bucket, access.read) }),
    );
  }
  if (access.write?.length) {
    statements.push(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: objectArns(bucket, access.write) }),
    );
  }
  if (access.multipart?.length) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload'],
        resources: objectArns(bucket, access.multipart),
      }),
    );
  }
  if (access.list) {
    statements.push(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  }
  if (key) {
    // Reads decrypt; writes ask for a data key, and multipart uploads also decrypt to assemble the parts.
    const actions = [
      ...(access.read?.length || access.multipart?.length ? ['kms:Decrypt'] : []),
      ...(access.write?.length ? ['kms:GenerateDataKey'] : []),
    ];
    if (actions.length > 0) {
      const stack = bucket.stack as Stack;
      statements.push(
        new iam.PolicyStatement({
          actions,
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }
  for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
}

/** DynamoDB item actions, as the state store adapter uses them. */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query' | 'BatchWriteItem' | 'DeleteClaim';

/**
 * The table statements of one function. `DeleteClaim` is DeleteItem limited to claim
 * items (a release gives a claim back); no function may delete anything else, or scan.
 */
export function grantTable(
  grantee: iam.IGrantable,
  table: dynamodb.ITable,
  actions: readonly TableAction[],
): void {
  const plain = actions.filter((a) => a !== 'DeleteClaim').map((a) => `dynamodb:${a}`);
  if (plain.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: plain, resources: [table.tableArn] }),
    );
  }
  if (actions.includes('DeleteClaim')) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [CLAIM_PK_PATTERN] } },
      }),
    );
  }
}
