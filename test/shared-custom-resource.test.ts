import { cloudFormation, respondToCloudFormation } from '../lambda/shared/custom-resource';

const request = {
  RequestType: 'Delete', ResponseURL: 'https://cloudformation-custom-resource-response.example/x', StackId: 'arn:aws:cloudformation:eu-west-1:493827162534:stack/s/1',
  RequestId: 'req-1', LogicalResourceId: 'Guard', PhysicalResourceId: 'guard-1',
};

describe('the custom-resource responder shared by every handler', () => {
  const original = cloudFormation.respond;
  afterEach(() => { cloudFormation.respond = original; });

  test('answers with the request ids, the status, a reason cut to fit the 4 KB response, and the data', async () => {
    const sent: Array<[string, any]> = [];
    cloudFormation.respond = async (url, body) => { sent.push([url, JSON.parse(body)]); };
    await respondToCloudFormation(request, { status: 'FAILED', reason: 'x'.repeat(5000), physicalResourceId: 'guard-1', data: { Id: 'pl-1' } });
    expect(sent[0][0]).toBe(request.ResponseURL);
    expect(sent[0][1]).toEqual({
      Status: 'FAILED', Reason: 'x'.repeat(3000), PhysicalResourceId: 'guard-1', StackId: request.StackId, RequestId: 'req-1', LogicalResourceId: 'Guard', Data: { Id: 'pl-1' },
    });
    expect(Buffer.byteLength(JSON.stringify(sent[0][1]))).toBeLessThan(4096);
  });

  test('PUTs to the pre-signed URL with an empty content type, and fails when S3 refuses it (the handler then retries)', async () => {
    const fetchMock = jest.fn().mockResolvedValueOnce({ ok: true, status: 200 }).mockResolvedValueOnce({ ok: false, status: 403 });
    const saved = global.fetch;
    (global as any).fetch = fetchMock;
    try {
      await respondToCloudFormation(request, { status: 'SUCCESS', reason: 'ok', physicalResourceId: 'guard-1' });
      expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'PUT', headers: { 'content-type': '' } });
      await expect(respondToCloudFormation(request, { status: 'SUCCESS', reason: 'ok', physicalResourceId: 'guard-1' })).rejects.toThrow(/refused: HTTP 403/);
    } finally {
      (global as any).fetch = saved;
    }
  });
});
