/**
 * The one CloudFormation custom-resource responder of the handlers: the response object of the custom resource
 * protocol, PUT to the request's pre-signed S3 URL (CloudFormation User Guide, "Custom resource response objects").
 */

/** The fields of a custom resource request a responder needs. */
export interface CustomResourceRequest {
  readonly RequestType: string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
}

/** What a handler answers. */
export interface CustomResourceAnswer {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason: string;
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

/** Test seam: how the response reaches CloudFormation. */
export const cloudFormation = {
  respond: async (url: string, body: string): Promise<void> => {
    // The pre-signed S3 URL is signed for an empty content type.
    const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
    if (!response.ok) throw new Error(`CloudFormation response was refused: HTTP ${response.status}`);
  },
};

/** Answers `request`. The reason is cut to 3,000 characters: the whole response must stay under 4,096 bytes. */
export async function respondToCloudFormation(request: CustomResourceRequest, answer: CustomResourceAnswer): Promise<void> {
  await cloudFormation.respond(request.ResponseURL, JSON.stringify({
    Status: answer.status,
    Reason: answer.reason.slice(0, 3000),
    PhysicalResourceId: answer.physicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    Data: answer.data ?? {},
  }));
}
