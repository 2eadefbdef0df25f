/**
 * A TCP port that accepts connections and closes them at once, answering nothing: a model
 * provider that cannot be reached, whose connection attempts can be counted and timed.
 */
import { createServer } from "node:net";

/** @returns {Promise<{ port: number, attempts: number[], close(): Promise<void> }>} */
export async function startDroppingServer() {
  const attempts = [];
  const server = createServer((socket) => {
    attempts.push(Date.now());
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
