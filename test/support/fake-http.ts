import { Readable } from 'stream';

/**
 * A fake HTTP layer to put under a real SDK client (`requestHandler`), so the SDK's own retry middleware runs:
 * the first responses are the given error codes rendered by `errorBody`, then `okBody` with status 200.
 */
export function fakeHttp(errors: string[], shape: { contentType: string; errorBody: (code: string) => string; okBody: string }) {
  let n = 0;
  return {
    attempts: () => n,
    handler: {
      handle: async () => {
        const code = errors[n++];
        const body = code ? shape.errorBody(code) : shape.okBody;
        return { response: { statusCode: code ? 400 : 200, headers: { 'content-type': shape.contentType }, body: Readable.from([Buffer.from(body)]) } };
      },
    },
  };
}
