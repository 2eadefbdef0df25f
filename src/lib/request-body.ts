/**
 * Cancels a request body nobody has read, when the Worker answers without it (an error such as
 * 413, 401 or 429 raised before the body is parsed). Left alone, the runtime first receives, or
 * under `wrangler dev` drains, the rest of the upload before the answer is delivered: a client
 * declaring `Content-Length: 2000000000` and sending 11 bytes held its connection with no answer
 * until it gave up. Cancelling tells the runtime the body is not wanted, so the answer goes out
 * at once and the connection closes.
 */
export function discardUnreadBody(request: Request): void {
  const body = request.body;
  if (body && !request.bodyUsed && !body.locked) body.cancel().catch(() => undefined);
}
