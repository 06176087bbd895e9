import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Actions no sluice function ever needs. Denied explicitly, so a grant added
 * later by mistake (or a broad managed policy) still cannot destroy state.
 */
export const DESTRUCTIVE_ACTIONS = [
  's3:DeleteBucket',
  's3:DeleteBucketPolicy',
  's3:PutBucketPolicy',
  's3:PutBucketAcl',
  's3:PutBucketPublicAccessBlock',
  's3:PutEncryptionConfiguration',
  's3:PutLifecycleConfiguration',
  's3:PutBucketVersioning',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteBackup',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:UpdateTimeToLive',
  'events:DeleteEventBus',
  'events:DeleteArchive',
  'events:DeleteRule',
  'sqs:DeleteQueue',
  'logs:DeleteLogGroup',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
] as const;

export function destructiveDenyStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyDestructiveActions',
    effect: iam.Effect.DENY,
    actions: [...DESTRUCTIVE_ACTIONS],
    // A deny on every resource is the point: it also covers resources created later.
    resources: ['*'],
  });
}
