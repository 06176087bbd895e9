import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { assertIntegerInRange } from './validate.js';

export interface IngestApiProps {
  readonly handler: lambda.IFunction;
  /** Physical API name and stage name. */
  readonly apiName: string;
  readonly stageName: string;
  /**
   * Steady requests per second on the stage.
   * @default 10 (valid 1..10000)
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests on the stage; API Gateway caps it at the account's burst quota (5,000 unless raised).
   * @default 20 (valid 1..10000)
   */
  readonly burstLimit?: number;
  /**
   * Days of access logs kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** `POST /ingest` for callers with AWS credentials (SigV4, IAM auth). */
export class IngestApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const rateLimit = props.rateLimit ?? 10;
    const burstLimit = props.burstLimit ?? 20;
    assertIntegerInRange('rateLimit', rateLimit, 1, 10000);
    assertIntegerInRange('burstLimit', burstLimit, 1, 10000);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'sluice POST /ingest',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // API Gateway base64-encodes these for the handler (bytes arrive intact); JSON and other text stays text.
      // vnd.ms-excel is how Windows labels a .csv, octet-stream what generic clients send.
      binaryMediaTypes: [
        'text/csv',
        'application/gzip',
        'application/x-gzip',
        'application/vnd.ms-excel',
        'application/octet-stream',
      ],
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const validator = this.api.addRequestValidator('BodyAndParameters', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // A JSON upload is one Twelve Data document (an object); CSV and gzip bodies are checked by the handler.
    const jsonUpload = this.api.addModel('JsonUpload', {
      contentType: 'application/json',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        title: 'JsonUpload',
        type: apigateway.JsonSchemaType.OBJECT,
        minProperties: 1,
      },
    });
    this.api.root.addResource('ingest').addMethod('POST', new apigateway.LambdaIntegration(props.handler), {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: {
        'method.request.header.Content-Type': true,
        'method.request.header.X-Sluice-Dataset': false,
        'method.request.querystring.dataset': false,
      },
      requestModels: { 'application/json': jsonUpload },
    });

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'IAM-signed callers and stage throttling bound the traffic; WAF adds cost without a rule to apply yet.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'The API uses IAM (SigV4) authorization for machine callers, not Cognito user pools.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway needs its AWS-managed push-to-CloudWatch-Logs policy for the account-level logging role.',
      },
    );
  }
}
